namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>"Whitespace" (\w+|[^\w\s]+) or "WhitespaceSplit" (split on whitespace, drop it).</summary>
internal sealed class WhitespacePreTokenizer(bool wordsAndPunctuation) : PreTokenizer
{
    private static readonly Patterns.SplitPattern Words = Patterns.SplitPattern.Regex(@"\w+|[^\w\s]+");

    public override void PreTokenize(string text, bool atTextStart, List<string> pieces)
    {
        if (wordsAndPunctuation) { PatternSplitter.Split(text, Words, SplitBehavior.Removed, true, pieces); return; }
        foreach (var p in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) pieces.Add(p);
    }
}
