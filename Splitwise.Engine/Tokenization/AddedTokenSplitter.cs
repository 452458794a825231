using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization;

/// <summary>A stretch of input: an added token's id, or text for the normal pipeline (Id = -1).</summary>
internal readonly record struct TextSegment(string Text, int Id, bool AtTextStart);

/// <summary>
/// Finds added tokens in text, leftmost and then longest first, honouring lstrip/rstrip (absorb neighbouring
/// whitespace) and single_word (no word character on either side).
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar = new();
    private readonly bool[] _maybeStart = new bool[65536];

    public AddedTokenSplitter(IEnumerable<(string Match, AddedToken Token)> tokens)
    {
        foreach (var g in tokens.Where(t => t.Match.Length > 0).GroupBy(t => t.Match[0]))
        {
            _byFirstChar[g.Key] = g.OrderByDescending(t => t.Match.Length).Select(t => t.Token with { Content = t.Match }).ToArray();
            _maybeStart[g.Key] = true;
        }
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Splits <paramref name="text"/>; <paramref name="atTextStart"/> says whether it begins the whole input.</summary>
    public void Split(string text, bool atTextStart, List<TextSegment> output)
    {
        int segmentStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_maybeStart[text[i]]) continue;
            foreach (var token in _byFirstChar[text[i]])
            {
                if (!text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal)) continue;
                int end = i + token.Content.Length;
                if (token.SingleWord && (i > 0 && IsWordChar(text, i - 1) || end < text.Length && IsWordChar(text, end))) continue;
                int cutStart = i, cutEnd = end;
                if (token.LStrip) while (cutStart > segmentStart && char.IsWhiteSpace(text[cutStart - 1])) cutStart--;
                if (token.RStrip) while (cutEnd < text.Length && char.IsWhiteSpace(text[cutEnd])) cutEnd++;
                if (cutStart > segmentStart) output.Add(new TextSegment(text[segmentStart..cutStart], -1, atTextStart && segmentStart == 0));
                output.Add(new TextSegment(token.Content, token.Id, false));
                segmentStart = cutEnd;
                i = cutEnd - 1;
                break;
            }
        }
        if (segmentStart < text.Length) output.Add(new TextSegment(segmentStart == 0 ? text : text[segmentStart..], -1, atTextStart && segmentStart == 0));
    }

    private static bool IsWordChar(string s, int i)
    {
        int cp = UnicodeClasses.CodePointAt(s, i);
        return cp == '_' || UnicodeClasses.IsLetter(cp) || UnicodeClasses.IsNumber(cp);
    }
}
