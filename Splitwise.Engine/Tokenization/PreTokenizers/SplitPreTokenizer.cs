using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.PreTokenizers;

internal sealed class SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public SplitPattern Pattern => pattern;
    public SplitBehavior Behavior => behavior;
    public bool Invert => invert;

    public override void PreTokenize(string text, bool atTextStart, List<string> pieces) =>
        PatternSplitter.Split(text, pattern, behavior, invert, pieces);
}
