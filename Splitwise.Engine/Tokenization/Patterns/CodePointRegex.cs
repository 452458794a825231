namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>
/// A backtracking regex over Unicode code points with the syntax tokenizer.json patterns use (the Rust
/// fancy-regex/Oniguruma subset): alternation, groups, (?i:..), classes with \p{..}, greedy and lazy
/// quantifiers, lookahead and lookbehind, anchors. .NET's Regex works on UTF-16 units, so \p{L} would not
/// match a letter outside the BMP; this one sees whole code points.
/// </summary>
internal sealed class CodePointRegex
{
    private readonly RegexNode _root;
    public string Pattern { get; }

    private CodePointRegex(string pattern, RegexNode root) { Pattern = pattern; _root = root; }

    public static CodePointRegex Parse(string pattern) => new(pattern, new CodePointRegexParser(pattern).ParseAll());

    /// <summary>Leftmost-first matches, non-overlapping, as UTF-16 ranges. Empty matches are skipped.</summary>
    public void FindAll(string text, List<(int Start, int End)> matches)
    {
        var cps = UnicodeClasses.ToCodePoints(text, out var offsets);
        int pos = 0;
        while (pos <= cps.Length)
        {
            int start = pos, end = -1;
            for (; start <= cps.Length; start++)
            {
                int e = -1;
                if (_root.Match(cps, start, p => { e = p; return true; })) { end = e; break; }
            }
            if (end < 0) break;
            if (end > start) matches.Add((offsets[start], offsets[end]));
            pos = end > start ? end : start + 1;
        }
    }

    /// <summary>The end of a match anchored at code point <paramref name="start"/>, or -1.</summary>
    public int MatchAt(int[] codePoints, int start)
    {
        int e = -1;
        return _root.Match(codePoints, start, p => { e = p; return true; }) ? e : -1;
    }
}
