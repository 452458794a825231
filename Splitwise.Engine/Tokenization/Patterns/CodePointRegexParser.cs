namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>Recursive-descent parser for <see cref="CodePointRegex"/>; anything outside the subset is an error naming the position.</summary>
internal sealed class CodePointRegexParser(string pattern)
{
    private readonly int[] _p = UnicodeClasses.ToCodePoints(pattern, out _);
    private int _i;
    private bool _ignoreCase;

    public RegexNode ParseAll()
    {
        var node = ParseAlternation();
        if (_i < _p.Length) throw Error("unbalanced ')'");
        return node;
    }

    private TokenizerFormatException Error(string problem) =>
        new($"regex pattern {Quote(pattern)}: {problem} at position {_i}");

    private static string Quote(string s) => TokenizerFormatException.Quote(s);

    private bool More => _i < _p.Length;
    private int Peek => _p[_i];
    private bool Eat(int c) { if (More && Peek == c) { _i++; return true; } return false; }

    private RegexNode ParseAlternation()
    {
        var options = new List<RegexNode> { ParseSequence() };
        while (Eat('|')) options.Add(ParseSequence());
        return options.Count == 1 ? options[0] : new AlternationNode(options.ToArray());
    }

    private RegexNode ParseSequence()
    {
        var items = new List<RegexNode>();
        while (More && Peek != '|' && Peek != ')')
        {
            var atom = ParseAtom();
            if (atom is null) continue;
            items.Add(ParseQuantifier(atom));
        }
        return items.Count == 1 ? items[0] : items.Count == 0 ? new EmptyNode() : new SequenceNode(items.ToArray());
    }

    private RegexNode ParseQuantifier(RegexNode atom)
    {
        while (More)
        {
            int min, max;
            if (Eat('*')) { min = 0; max = int.MaxValue; }
            else if (Eat('+')) { min = 1; max = int.MaxValue; }
            else if (Eat('?')) { min = 0; max = 1; }
            else if (Peek == '{' && TryParseBraces(out min, out max)) { }
            else break;
            bool lazy = Eat('?');
            if (!lazy && More && Peek == '+') throw Error("possessive quantifiers are not supported");
            atom = new RepeatNode(atom, min, max, lazy);
        }
        return atom;
    }

    private bool TryParseBraces(out int min, out int max)
    {
        int save = _i;
        _i++;
        min = ReadInt();
        max = min;
        if (min < 0) { _i = save; max = 0; return false; }
        if (Eat(','))
        {
            max = More && Peek == '}' ? int.MaxValue : ReadInt();
            if (max < 0) throw Error("bad {m,n} quantifier");
        }
        if (!Eat('}')) throw Error("unterminated {m,n} quantifier");
        if (max < min) throw Error("{m,n} quantifier with n < m");
        return true;
    }

    private int ReadInt()
    {
        int start = _i, v = 0;
        while (More && Peek is >= '0' and <= '9') v = v * 10 + (_p[_i++] - '0');
        return _i == start ? -1 : v;
    }

    private RegexNode? ParseAtom()
    {
        int c = _p[_i++];
        switch (c)
        {
            case '(':
                return ParseGroup();
            case '[':
                return new CharNode(ParseClass());
            case '.':
                return new CharNode(cp => cp != '\n');
            case '^':
                return new AnchorNode(AnchorKind.LineStart);
            case '$':
                return new AnchorNode(AnchorKind.LineEnd);
            case '\\':
                return ParseEscapeAtom();
            case '*' or '+' or '?':
                throw Error($"quantifier '{(char)c}' with nothing to repeat");
            default:
                return Literal(c);
        }
    }

    private RegexNode Literal(int c)
    {
        if (!_ignoreCase) return new CharNode(cp => cp == c);
        int f = UnicodeClasses.Fold(c);
        return new CharNode(cp => cp == c || UnicodeClasses.Fold(cp) == f);
    }

    private RegexNode? ParseGroup()
    {
        if (!Eat('?'))
        {
            var inner = ParseAlternation();
            if (!Eat(')')) throw Error("missing ')'");
            return inner;
        }
        if (Eat(':')) return GroupBody();
        if (Eat('=')) return new LookaroundNode(GroupBody(), ahead: true, negate: false);
        if (Eat('!')) return new LookaroundNode(GroupBody(), ahead: true, negate: true);
        if (Eat('<'))
        {
            if (Eat('=')) return new LookaroundNode(GroupBody(), ahead: false, negate: false);
            if (Eat('!')) return new LookaroundNode(GroupBody(), ahead: false, negate: true);
            // Named group (?<name>...) or (?P<name>...) below.
            while (More && Peek != '>') _i++;
            if (!Eat('>')) throw Error("unterminated group name");
            return GroupBody();
        }
        if (Eat('P') && Eat('<'))
        {
            while (More && Peek != '>') _i++;
            if (!Eat('>')) throw Error("unterminated group name");
            return GroupBody();
        }
        // Flags: (?i) (?-i) (?i:...)
        bool on = true, setsCase = false, value = _ignoreCase;
        while (More && Peek != ':' && Peek != ')')
        {
            int f = _p[_i++];
            if (f == '-') { on = false; continue; }
            if (f == 'i') { setsCase = true; value = on; continue; }
            if (f == 'u') continue; // Unicode mode is always on
            throw Error($"unsupported group flag '{(char)f}'");
        }
        if (Eat(')'))
        {
            if (setsCase) _ignoreCase = value;
            return null;
        }
        Eat(':');
        bool saved = _ignoreCase;
        if (setsCase) _ignoreCase = value;
        var body = GroupBody();
        _ignoreCase = saved;
        return body;
    }

    private RegexNode GroupBody()
    {
        var inner = ParseAlternation();
        if (!Eat(')')) throw Error("missing ')'");
        return inner;
    }

    private RegexNode ParseEscapeAtom()
    {
        if (!More) throw Error("pattern ends with '\\'");
        int c = _p[_i];
        switch (c)
        {
            case 'A': _i++; return new AnchorNode(AnchorKind.TextStart);
            case 'z': _i++; return new AnchorNode(AnchorKind.TextEnd);
            case 'Z': _i++; return new AnchorNode(AnchorKind.TextEnd);
            case 'b': _i++; return new AnchorNode(AnchorKind.WordBoundary);
            case 'B': _i++; return new AnchorNode(AnchorKind.NotWordBoundary);
        }
        var set = ParseEscapeInClass(out int literal);
        return set is not null ? new CharNode(set) : Literal(literal);
    }

    /// <summary>After a backslash: a class escape (returned) or a literal code point (out).</summary>
    private Func<int, bool>? ParseEscapeInClass(out int literal)
    {
        literal = -1;
        int c = _p[_i++];
        switch (c)
        {
            case 's': return UnicodeClasses.IsWhiteSpace;
            case 'S': return cp => !UnicodeClasses.IsWhiteSpace(cp);
            case 'd': return cp => UnicodeClasses.Category(cp) == System.Globalization.UnicodeCategory.DecimalDigitNumber;
            case 'D': return cp => UnicodeClasses.Category(cp) != System.Globalization.UnicodeCategory.DecimalDigitNumber;
            case 'w': return UnicodeClasses.IsWordChar;
            case 'W': return cp => !UnicodeClasses.IsWordChar(cp);
            case 'p' or 'P':
            {
                string name;
                if (Eat('{'))
                {
                    int start = _i;
                    while (More && Peek != '}') _i++;
                    if (!More) throw Error("unterminated \\p{...}");
                    name = string.Concat(_p[start.._i].Select(char.ConvertFromUtf32));
                    _i++;
                }
                else
                {
                    if (!More) throw Error("\\p needs a property name");
                    name = char.ConvertFromUtf32(_p[_i++]);
                }
                bool negate = c == 'P';
                if (name.StartsWith('^')) { negate = !negate; name = name[1..]; }
                var prop = UnicodeClasses.Property(name) ?? throw Error($"unsupported Unicode property \\p{{{name}}} (general categories only)");
                return negate ? cp => !prop(cp) : prop;
            }
            case 'n': literal = '\n'; return null;
            case 'r': literal = '\r'; return null;
            case 't': literal = '\t'; return null;
            case 'f': literal = '\f'; return null;
            case 'v': literal = '\v'; return null;
            case 'a': literal = '\a'; return null;
            case 'e': literal = 0x1B; return null;
            case '0': literal = 0; return null;
            case 'x':
            {
                int v = 0, digits = 0;
                if (Eat('{'))
                {
                    while (More && Peek != '}') { v = v * 16 + HexValue(_p[_i++]); digits++; }
                    if (!Eat('}') || digits == 0) throw Error("bad \\x{...} escape");
                }
                else
                {
                    for (int k = 0; k < 2; k++) { if (!More) throw Error("bad \\x escape"); v = v * 16 + HexValue(_p[_i++]); }
                }
                literal = v; return null;
            }
            case 'u':
            {
                int v = 0;
                for (int k = 0; k < 4; k++) { if (!More) throw Error("bad \\u escape"); v = v * 16 + HexValue(_p[_i++]); }
                literal = v; return null;
            }
            default:
                if (c is >= '1' and <= '9') throw Error("backreferences are not supported");
                if (char.IsAsciiLetterOrDigit((char)Math.Min(c, 127)) && c < 128) throw Error($"unsupported escape '\\{(char)c}'");
                literal = c; return null;
        }
    }

    private int HexValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => throw Error("bad hex digit"),
    };

    private Func<int, bool> ParseClass()
    {
        bool negate = Eat('^');
        var items = new List<Func<int, bool>>();
        bool first = true;
        while (true)
        {
            if (!More) throw Error("unterminated character class");
            int c = Peek;
            if (c == ']' && !first) { _i++; break; }
            first = false;
            if (c == '[')
            {
                if (_i + 1 < _p.Length && _p[_i + 1] == ':') throw Error("POSIX classes [[:name:]] are not supported");
                _i++;
                items.Add(ParseClass());
                continue;
            }
            int lo;
            _i++;
            if (c == '\\')
            {
                if (!More) throw Error("unterminated character class");
                var set = ParseEscapeInClass(out lo);
                if (set is not null) { items.Add(set); continue; }
            }
            else lo = c;
            if (More && Peek == '-' && _i + 1 < _p.Length && _p[_i + 1] != ']')
            {
                _i++;
                int hi = _p[_i++];
                if (hi == '\\')
                {
                    if (ParseEscapeInClass(out hi) is not null) throw Error("class escape as a range end");
                }
                if (hi < lo) throw Error("character range out of order");
                int a = lo, b = hi;
                if (_ignoreCase) items.Add(cp => (cp >= a && cp <= b) || FoldedIn(cp, a, b));
                else items.Add(cp => cp >= a && cp <= b);
            }
            else
            {
                int v = lo;
                if (_ignoreCase) { int f = UnicodeClasses.Fold(v); items.Add(cp => cp == v || UnicodeClasses.Fold(cp) == f); }
                else items.Add(cp => cp == v);
            }
        }
        var all = items.ToArray();
        return negate
            ? cp => { foreach (var f in all) if (f(cp)) return false; return true; }
            : cp => { foreach (var f in all) if (f(cp)) return true; return false; };
    }

    private static bool FoldedIn(int cp, int lo, int hi)
    {
        int f = UnicodeClasses.Fold(cp);
        for (int x = lo; x <= hi && x - lo < 512; x++) if (UnicodeClasses.Fold(x) == f) return true;
        return false;
    }
}
