using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>Cuts text at the matches of a pattern according to a <see cref="SplitBehavior"/>, as Hugging Face's NormalizedString.split does.</summary>
internal static class PatternSplitter
{
    [ThreadStatic] private static List<(int Start, int End)>? _matches;

    public static void Split(string text, SplitPattern pattern, SplitBehavior behavior, bool invert, List<string> pieces)
    {
        var matches = _matches ??= new List<(int, int)>();
        matches.Clear();
        pattern.FindMatches(text, matches);
        int prev = 0;
        var spans = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        foreach (var (s, e) in matches)
        {
            if (s > prev) spans.Add((prev, s, invert));
            spans.Add((s, e, !invert));
            prev = e;
        }
        if (prev < text.Length) spans.Add((prev, text.Length, invert));

        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var (s, e, _) in spans) Add(text, s, e, pieces);
                break;
            case SplitBehavior.Removed:
                foreach (var (s, e, m) in spans) if (!m) Add(text, s, e, pieces);
                break;
            case SplitBehavior.MergedWithPrevious:
            {
                // A match joins the piece before it, unless that piece was itself a match.
                var merged = new List<(int Start, int End)>();
                bool previousMatch = false;
                foreach (var (s, e, m) in spans)
                {
                    if (m && !previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, e);
                    else merged.Add((s, e));
                    previousMatch = m;
                }
                foreach (var (s, e) in merged) Add(text, s, e, pieces);
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                // Mirror image: walking backwards, a match joins the piece after it unless that was a match.
                var merged = new List<(int Start, int End)>();
                bool previousMatch = false;
                for (int k = spans.Count - 1; k >= 0; k--)
                {
                    var (s, e, m) = spans[k];
                    if (m && !previousMatch && merged.Count > 0) merged[^1] = (s, merged[^1].End);
                    else merged.Add((s, e));
                    previousMatch = m;
                }
                for (int k = merged.Count - 1; k >= 0; k--) Add(text, merged[k].Start, merged[k].End, pieces);
                break;
            }
            case SplitBehavior.Contiguous:
            {
                var merged = new List<(int Start, int End)>();
                bool previousMatch = false;
                foreach (var (s, e, m) in spans)
                {
                    if (m == previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, e);
                    else merged.Add((s, e));
                    previousMatch = m;
                }
                foreach (var (s, e) in merged) Add(text, s, e, pieces);
                break;
            }
        }
    }

    private static void Add(string text, int s, int e, List<string> pieces)
    {
        if (e > s) pieces.Add(s == 0 && e == text.Length ? text : text.Substring(s, e - s));
    }
}
