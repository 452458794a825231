using System.Globalization;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>
/// Parses the Jinja2 subset chat templates use. Anything else (include, extends, import, unknown filters or
/// tests) is a <see cref="ChatTemplateException"/> naming the line, so a template never renders half-understood.
/// </summary>
internal sealed class JinjaParser(List<JinjaToken> tokens)
{
    private int _i;

    private JinjaToken Peek => tokens[_i];
    private JinjaToken Next() => tokens[_i++];

    private static ChatTemplateException Error(int line, string problem) => new($"line {line}: {problem}");

    public List<Stmt> ParseTemplate()
    {
        var body = ParseBody(out var end);
        if (end is not null) throw Error(Peek.Line, $"unexpected '{{% {end} %}}'");
        return body;
    }

    /// <summary>Parses statements until an end tag in <paramref name="ends"/> (consumed up to its name; the caller reads the rest).</summary>
    private List<Stmt> ParseBody(out string? endTag, params string[] ends)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case JinjaTokenKind.End:
                    if (ends.Length > 0) throw Error(t.Line, $"template ended while looking for {string.Join(" or ", ends.Select(e => $"'{{% {e} %}}'"))}");
                    endTag = null;
                    return body;
                case JinjaTokenKind.Text:
                    _i++;
                    body.Add(new TextStmt(t.Value, t.Line));
                    break;
                case JinjaTokenKind.OutputBegin:
                    _i++;
                    var e = ParseExpression();
                    Expect(JinjaTokenKind.OutputEnd, "'}}'");
                    body.Add(new OutputStmt(e, t.Line));
                    break;
                case JinjaTokenKind.StatementBegin:
                    var name = tokens[_i + 1];
                    if (name.Kind != JinjaTokenKind.Name) throw Error(t.Line, "expected a statement name after '{%'");
                    if (ends.Contains(name.Value)) { _i += 2; endTag = name.Value; return body; }
                    _i += 2;
                    body.Add(ParseStatement(name));
                    break;
                default:
                    throw Error(t.Line, $"unexpected '{t.Value}'");
            }
        }
    }

    private Stmt ParseStatement(JinjaToken name)
    {
        int line = name.Line;
        switch (name.Value)
        {
            case "if":
            {
                var branches = new List<(Expr, List<Stmt>)>();
                var cond = ParseExpression();
                EndTag();
                List<Stmt>? elseBody = null;
                while (true)
                {
                    var body = ParseBody(out var end, "elif", "else", "endif");
                    branches.Add((cond, body));
                    if (end == "elif") { cond = ParseExpression(); EndTag(); continue; }
                    if (end == "else") { EndTag(); elseBody = ParseBody(out _, "endif"); }
                    EndTag();
                    break;
                }
                return new IfStmt(branches, elseBody, line);
            }
            case "for":
            {
                var targets = new List<string> { ExpectName() };
                while (Peek.IsOp(",")) { _i++; targets.Add(ExpectName()); }
                if (!Next().IsName("in")) throw Error(line, "expected 'in' in a for loop");
                var iterable = ParseOr(allowConditional: false);
                Expr? filter = null;
                if (Peek.IsName("if")) { _i++; filter = ParseExpression(); }
                if (Peek.IsName("recursive")) throw Error(line, "recursive for loops are not supported");
                EndTag();
                var body = ParseBody(out var end, "else", "endfor");
                List<Stmt>? elseBody = null;
                if (end == "else") { EndTag(); elseBody = ParseBody(out _, "endfor"); }
                EndTag();
                return new ForStmt(targets.ToArray(), iterable, filter, body, elseBody, line);
            }
            case "set":
            {
                var target = ParsePrimaryTarget();
                if (Peek.Kind == JinjaTokenKind.StatementEnd)
                {
                    if (target is not NameExpr n) throw Error(line, "a block set needs a plain variable name");
                    EndTag();
                    var body = ParseBody(out _, "endset");
                    EndTag();
                    return new SetBlockStmt(n.Name, body, line);
                }
                if (!Next().IsOp("=")) throw Error(line, "expected '=' in set");
                var value = ParseTupleOrExpression();
                EndTag();
                return new SetStmt(target, value, line);
            }
            case "macro":
            {
                var macroName = ExpectName();
                Expect(JinjaTokenKind.Operator, "'('", "(");
                var ps = new List<(string, Expr?)>();
                while (!Peek.IsOp(")"))
                {
                    var p = ExpectName();
                    Expr? def = null;
                    if (Peek.IsOp("=")) { _i++; def = ParseExpression(); }
                    ps.Add((p, def));
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp(")")) throw Error(line, "expected ',' or ')' in macro parameters");
                }
                _i++;
                EndTag();
                var body = ParseBody(out _, "endmacro");
                EndTag();
                return new MacroStmt(macroName, ps, body, line);
            }
            case "call":
            {
                var call = ParseExpression();
                EndTag();
                var body = ParseBody(out _, "endcall");
                EndTag();
                return new CallBlockStmt(call, body, line);
            }
            case "filter":
            {
                var filter = ParseFilterCall(null, line);
                EndTag();
                var body = ParseBody(out _, "endfilter");
                EndTag();
                return new FilterBlockStmt(filter, body, line);
            }
            case "generation":
            {
                // transformers' AssistantTracker extension: marks assistant text; it renders its body unchanged.
                EndTag();
                var body = ParseBody(out _, "endgeneration");
                EndTag();
                return new BlockStmt(body, line);
            }
            case "break": EndTag(); return new BreakStmt(line);
            case "continue": EndTag(); return new ContinueStmt(line);
            default:
                throw Error(line, $"unsupported statement '{{% {name.Value} %}}'");
        }
    }

    private Expr ParsePrimaryTarget()
    {
        var t = Next();
        if (t.Kind != JinjaTokenKind.Name) throw Error(t.Line, "expected a variable name");
        Expr target = new NameExpr(t.Value, t.Line);
        if (Peek.IsOp("."))
        {
            _i++;
            target = new AttrExpr(target, ExpectName(), t.Line);
        }
        else if (Peek.IsOp(","))
        {
            var items = new List<Expr> { target };
            while (Peek.IsOp(",")) { _i++; items.Add(new NameExpr(ExpectName(), t.Line)); }
            target = new TupleExpr(items, t.Line);
        }
        return target;
    }

    private void EndTag() => Expect(JinjaTokenKind.StatementEnd, "'%}'");

    private void Expect(JinjaTokenKind kind, string what, string? value = null)
    {
        var t = Next();
        if (t.Kind != kind || (value is not null && t.Value != value))
            throw Error(t.Line, $"expected {what}, found {(t.Kind == JinjaTokenKind.End ? "end of template" : $"'{t.Value}'")}");
    }

    private string ExpectName()
    {
        var t = Next();
        return t.Kind == JinjaTokenKind.Name ? t.Value : throw Error(t.Line, $"expected a name, found '{t.Value}'");
    }

    private Expr ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!Peek.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (Peek.IsOp(",")) { _i++; items.Add(ParseExpression()); }
        return new TupleExpr(items, first.Line);
    }

    public Expr ParseExpression() => ParseConditional();

    private Expr ParseConditional()
    {
        var e = ParseOr(allowConditional: true);
        while (Peek.IsName("if"))
        {
            int line = Next().Line;
            var cond = ParseOr(allowConditional: true);
            Expr? otherwise = null;
            if (Peek.IsName("else")) { _i++; otherwise = ParseConditional(); }
            e = new ConditionalExpr(cond, e, otherwise, line);
        }
        return e;
    }

    private Expr ParseOr(bool allowConditional)
    {
        var e = ParseAnd();
        while (Peek.IsName("or")) { int line = Next().Line; e = new BinaryExpr("or", e, ParseAnd(), line); }
        return e;
    }

    private Expr ParseAnd()
    {
        var e = ParseNot();
        while (Peek.IsName("and")) { int line = Next().Line; e = new BinaryExpr("and", e, ParseNot(), line); }
        return e;
    }

    private Expr ParseNot()
    {
        if (Peek.IsName("not")) { int line = Next().Line; return new UnaryExpr("not", ParseNot(), line); }
        return ParseCompare();
    }

    private static readonly string[] CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseCompare()
    {
        var first = ParseConcat();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Peek;
            if (t.Kind == JinjaTokenKind.Operator && CompareOps.Contains(t.Value)) { _i++; rest.Add((t.Value, ParseConcat())); }
            else if (t.IsName("in")) { _i++; rest.Add(("in", ParseConcat())); }
            else if (t.IsName("not") && tokens[_i + 1].IsName("in")) { _i += 2; rest.Add(("not in", ParseConcat())); }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, first.Line);
    }

    private Expr ParseConcat()
    {
        var e = ParseAdditive();
        while (Peek.IsOp("~")) { int line = Next().Line; e = new BinaryExpr("~", e, ParseAdditive(), line); }
        return e;
    }

    private Expr ParseAdditive()
    {
        var e = ParseMultiplicative();
        while (Peek.IsOp("+") || Peek.IsOp("-")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParseMultiplicative(), t.Line); }
        return e;
    }

    private Expr ParseMultiplicative()
    {
        var e = ParsePower();
        while (Peek.IsOp("*") || Peek.IsOp("/") || Peek.IsOp("//") || Peek.IsOp("%")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParsePower(), t.Line); }
        return e;
    }

    private Expr ParsePower()
    {
        var e = ParseUnary();
        while (Peek.IsOp("**")) { var t = Next(); e = new BinaryExpr("**", e, ParseUnary(), t.Line); }
        return e;
    }

    /// <summary>As in Jinja, "-x | f" applies f to -x: the operand of a sign takes no filters.</summary>
    private Expr ParseUnary(bool withFilters = true)
    {
        Expr e;
        if (Peek.IsOp("-") || Peek.IsOp("+"))
        {
            var t = Next();
            e = new UnaryExpr(t.Value, ParseUnary(withFilters: false), t.Line);
        }
        else e = ParsePrimary();
        return withFilters ? ParsePostfixTests(e) : e;
    }

    /// <summary>Attribute/item/call postfixes, then "|filter" chains and "is test".</summary>
    private Expr ParsePostfixTests(Expr e)
    {
        while (true)
        {
            var t = Peek;
            if (t.IsOp("|")) { _i++; e = ParseFilterCall(e, t.Line); continue; }
            if (t.IsName("is"))
            {
                _i++;
                bool negated = false;
                if (Peek.IsName("not")) { _i++; negated = true; }
                var nameToken = Next();
                string name = nameToken.Kind switch
                {
                    JinjaTokenKind.Name => nameToken.Value,
                    JinjaTokenKind.Operator when nameToken.Value is "==" or "!=" or "<" or "<=" or ">" or ">=" => nameToken.Value,
                    _ => throw Error(t.Line, $"expected a test name after 'is', found '{nameToken.Value}'"),
                };
                if (!JinjaTests.Exists(name)) throw Error(t.Line, $"unsupported test '{name}'");
                var args = new List<Expr>();
                if (Peek.IsOp("(")) { _i++; args = ParseArguments(out var kw, t.Line); if (kw.Count > 0) throw Error(t.Line, "tests take no keyword arguments"); }
                else if (Peek.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                    || Peek.Kind == JinjaTokenKind.Name && !Peek.IsName("and") && !Peek.IsName("or") && !Peek.IsName("else") && !Peek.IsName("if") && !Peek.IsName("in") && !Peek.IsName("is") && !Peek.IsName("not"))
                    args.Add(ParsePostfix(ParseAtom()));
                e = new TestExpr(e, name, args, negated, t.Line);
                continue;
            }
            return e;
        }
    }

    private FilterExpr ParseFilterCall(Expr? target, int line)
    {
        var name = ExpectName();
        if (!JinjaFilters.Exists(name)) throw Error(line, $"unsupported filter '{name}'");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        if (Peek.IsOp("(")) { _i++; args = ParseArguments(out kwargs, line); }
        return new FilterExpr(target, name, args, kwargs, line);
    }

    private Expr ParsePrimary() => ParsePostfix(ParseAtom());

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            var t = Peek;
            if (t.IsOp("."))
            {
                _i++;
                var n = Next();
                if (n.Kind == JinjaTokenKind.Name) e = new AttrExpr(e, n.Value, t.Line);
                else if (n.Kind == JinjaTokenKind.Integer) e = new ItemExpr(e, new LiteralExpr(long.Parse(n.Value, CultureInfo.InvariantCulture), n.Line), t.Line);
                else throw Error(t.Line, "expected an attribute name after '.'");
            }
            else if (t.IsOp("[")) { _i++; e = ParseSubscript(e, t.Line); }
            else if (t.IsOp("(")) { _i++; var args = ParseArguments(out var kw, t.Line); e = new CallExpr(e, args, kw, t.Line); }
            else return e;
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null, stop = null, step = null;
        if (!Peek.IsOp(":")) start = ParseExpression();
        if (Peek.IsOp("]")) { _i++; return new ItemExpr(target, start ?? throw Error(line, "empty subscript"), line); }
        Expect(JinjaTokenKind.Operator, "':' or ']'", ":");
        if (!Peek.IsOp(":") && !Peek.IsOp("]")) stop = ParseExpression();
        if (Peek.IsOp(":")) { _i++; if (!Peek.IsOp("]")) step = ParseExpression(); }
        Expect(JinjaTokenKind.Operator, "']'", "]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private List<Expr> ParseArguments(out List<(string, Expr)> kwargs, int line)
    {
        var args = new List<Expr>();
        kwargs = [];
        while (!Peek.IsOp(")"))
        {
            if (Peek.Kind == JinjaTokenKind.Name && tokens[_i + 1].IsOp("="))
            {
                var name = Next().Value;
                _i++;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0) throw Error(line, "positional argument after keyword argument");
                args.Add(ParseExpression());
            }
            if (Peek.IsOp(",")) _i++;
            else if (!Peek.IsOp(")")) throw Error(Peek.Line, $"expected ',' or ')' in arguments, found '{Peek.Value}'");
        }
        _i++;
        return args;
    }

    private Expr ParseAtom()
    {
        var t = Next();
        switch (t.Kind)
        {
            case JinjaTokenKind.String:
            {
                var s = t.Value;
                while (Peek.Kind == JinjaTokenKind.String) s += Next().Value; // adjacent literals concatenate
                return new LiteralExpr(s, t.Line);
            }
            case JinjaTokenKind.Integer: return new LiteralExpr(long.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case JinjaTokenKind.Float: return new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case JinjaTokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Line),
                    "false" or "False" => new LiteralExpr(false, t.Line),
                    "none" or "None" => new LiteralExpr(null, t.Line),
                    _ => new NameExpr(t.Value, t.Line),
                };
            case JinjaTokenKind.Operator when t.Value == "(":
            {
                if (Peek.IsOp(")")) { _i++; return new TupleExpr([], t.Line); }
                var first = ParseExpression();
                if (Peek.IsOp(")")) { _i++; return first; }
                var items = new List<Expr> { first };
                while (Peek.IsOp(",")) { _i++; if (Peek.IsOp(")")) break; items.Add(ParseExpression()); }
                Expect(JinjaTokenKind.Operator, "')'", ")");
                return new TupleExpr(items, t.Line);
            }
            case JinjaTokenKind.Operator when t.Value == "[":
            {
                var items = new List<Expr>();
                while (!Peek.IsOp("]"))
                {
                    items.Add(ParseExpression());
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp("]")) throw Error(t.Line, "expected ',' or ']' in a list");
                }
                _i++;
                return new ListExpr(items, t.Line);
            }
            case JinjaTokenKind.Operator when t.Value == "{":
            {
                var items = new List<(Expr, Expr)>();
                while (!Peek.IsOp("}"))
                {
                    var k = ParseExpression();
                    Expect(JinjaTokenKind.Operator, "':'", ":");
                    items.Add((k, ParseExpression()));
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp("}")) throw Error(t.Line, "expected ',' or '}' in a dict");
                }
                _i++;
                return new DictExpr(items, t.Line);
            }
            default:
                throw Error(t.Line, t.Kind == JinjaTokenKind.End ? "unexpected end of template" : $"unexpected '{t.Value}' in an expression");
        }
    }
}
