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
        // Whole-string fast path: every character matched, isolated (the common tiktoken-style case).
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
                int start = -1, end = 0;
                foreach (var (s, e, m) in spans)
                {
                    if (m && start >= 0) { end = e; continue; }
                    if (start >= 0) Add(text, start, end, pieces);
                    start = s; end = e;
                }
                if (start >= 0) Add(text, start, end, pieces);
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                int pending = -1;
                foreach (var (s, e, m) in spans)
                {
                    if (m) { if (pending >= 0) Add(text, pending, s, pieces); pending = s; continue; }
                    Add(text, pending >= 0 ? pending : s, e, pieces);
                    pending = -1;
                }
                if (pending >= 0) Add(text, pending, text.Length, pieces);
                break;
            }
            case SplitBehavior.Contiguous:
            {
                int start = -1, end = 0;
                bool lastMatch = false;
                foreach (var (s, e, m) in spans)
                {
                    if (m && lastMatch && start >= 0) { end = e; continue; }
                    if (start >= 0) Add(text, start, end, pieces);
                    start = s; end = e; lastMatch = m;
                }
                if (start >= 0) Add(text, start, end, pieces);
                break;
            }
        }
    }

    private static void Add(string text, int s, int e, List<string> pieces)
    {
        if (e > s) pieces.Add(s == 0 && e == text.Length ? text : text.Substring(s, e - s));
    }
}
