namespace Splitwise.Engine.Tokenization.Patterns;

internal sealed class CodePointRegexPattern(CodePointRegex regex) : SplitPattern
{
    public override void FindMatches(string text, List<(int Start, int End)> matches) => regex.FindAll(text, matches);
}
