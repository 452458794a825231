namespace Splitwise.Engine.Tokenization.Patterns;

internal sealed class LiteralPattern(string value) : SplitPattern
{
    public override void FindMatches(string text, List<(int Start, int End)> matches)
    {
        if (value.Length == 0) return;
        int i = 0;
        while ((i = text.IndexOf(value, i, StringComparison.Ordinal)) >= 0)
        {
            matches.Add((i, i + value.Length));
            i += value.Length;
        }
    }
}
