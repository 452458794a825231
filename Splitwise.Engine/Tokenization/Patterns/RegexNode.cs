namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>
/// A node of a parsed regex. Matching is backtracking in continuation style: a node matches at <c>pos</c> and
/// calls <c>next</c> with each end position it can reach, best first, so alternation is leftmost-first as in
/// Perl, Oniguruma and fancy-regex.
/// </summary>
internal abstract class RegexNode
{
    public abstract bool Match(int[] text, int pos, Func<int, bool> next);
}

internal sealed class CharNode(Func<int, bool> accepts) : RegexNode
{
    public readonly Func<int, bool> Accepts = accepts;
    public override bool Match(int[] text, int pos, Func<int, bool> next) => pos < text.Length && Accepts(text[pos]) && next(pos + 1);
}

internal sealed class SequenceNode(RegexNode[] items) : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next) => MatchFrom(0, text, pos, next);

    private bool MatchFrom(int index, int[] text, int pos, Func<int, bool> next) =>
        index == items.Length ? next(pos) : items[index].Match(text, pos, p => MatchFrom(index + 1, text, p, next));
}

internal sealed class AlternationNode(RegexNode[] options) : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next)
    {
        foreach (var o in options) if (o.Match(text, pos, next)) return true;
        return false;
    }
}

internal sealed class RepeatNode(RegexNode item, int min, int max, bool lazy) : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next)
    {
        if (item is CharNode c) return MatchChars(c, text, pos, next);
        return MatchCount(0, text, pos, next);
    }

    // Single-character items repeat without recursion, so long runs (10k spaces) cannot exhaust the stack.
    private bool MatchChars(CharNode c, int[] text, int pos, Func<int, bool> next)
    {
        int n = 0;
        while (n < max && pos + n < text.Length && c.Accepts(text[pos + n])) n++;
        if (n < min) return false;
        if (lazy) { for (int k = min; k <= n; k++) if (next(pos + k)) return true; }
        else { for (int k = n; k >= min; k--) if (next(pos + k)) return true; }
        return false;
    }

    private bool MatchCount(int count, int[] text, int pos, Func<int, bool> next)
    {
        if (lazy)
        {
            if (count >= min && next(pos)) return true;
            return count < max && item.Match(text, pos, p => p != pos && MatchCount(count + 1, text, p, next));
        }
        if (count < max && item.Match(text, pos, p => p != pos && MatchCount(count + 1, text, p, next))) return true;
        return count >= min && next(pos);
    }
}

internal sealed class LookaroundNode(RegexNode item, bool ahead, bool negate) : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next)
    {
        bool found;
        if (ahead) found = item.Match(text, pos, _ => true);
        else
        {
            found = false;
            for (int start = pos; start >= 0 && !found; start--) found = item.Match(text, start, e => e == pos);
        }
        return found != negate && next(pos);
    }
}

internal enum AnchorKind { TextStart, TextEnd, LineStart, LineEnd, WordBoundary, NotWordBoundary }

internal sealed class AnchorNode(AnchorKind kind) : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next)
    {
        bool ok = kind switch
        {
            AnchorKind.TextStart => pos == 0,
            AnchorKind.TextEnd => pos == text.Length,
            AnchorKind.LineStart => pos == 0 || text[pos - 1] == '\n',
            AnchorKind.LineEnd => pos == text.Length || text[pos] == '\n',
            _ => (pos > 0 && UnicodeClasses.IsWordChar(text[pos - 1])) != (pos < text.Length && UnicodeClasses.IsWordChar(text[pos])) == (kind == AnchorKind.WordBoundary),
        };
        return ok && next(pos);
    }
}

internal sealed class EmptyNode : RegexNode
{
    public override bool Match(int[] text, int pos, Func<int, bool> next) => next(pos);
}
