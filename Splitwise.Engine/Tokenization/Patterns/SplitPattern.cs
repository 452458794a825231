using System.Text;

namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>
/// What a Split pre-tokenizer, a Replace normalizer or decoder looks for: a literal string or a regex.
/// Matches are UTF-16 ranges, found left to right without overlap.
/// </summary>
internal abstract class SplitPattern
{
    public abstract void FindMatches(string text, List<(int Start, int End)> matches);

    public string ReplaceAll(string text, string replacement)
    {
        var matches = new List<(int Start, int End)>();
        FindMatches(text, matches);
        if (matches.Count == 0) return text;
        var sb = new StringBuilder(text.Length + matches.Count * replacement.Length);
        int prev = 0;
        foreach (var (s, e) in matches)
        {
            sb.Append(text, prev, s - prev).Append(replacement);
            prev = e;
        }
        return sb.Append(text, prev, text.Length - prev).ToString();
    }

    public static SplitPattern Literal(string value) => new LiteralPattern(value);

    /// <summary>A regex with Rust-regex semantics on code points; the pre-token patterns real models use get a hand-written scanner.</summary>
    public static SplitPattern Regex(string pattern) =>
        TiktokenStylePattern.TryCreate(pattern) ?? (SplitPattern)new CodePointRegexPattern(CodePointRegex.Parse(pattern));
}
