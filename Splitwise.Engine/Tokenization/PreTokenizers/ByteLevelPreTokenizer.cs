using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>Optionally a leading space and the GPT-2 split, then every piece spelled in <see cref="ByteLevelAlphabet"/>.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private static readonly SplitPattern Gpt2 = SplitPattern.Regex(TiktokenStylePattern.Gpt2);

    public bool UseRegex => useRegex;

    public override void PreTokenize(string text, bool atTextStart, List<string> pieces)
    {
        if (addPrefixSpace && !text.StartsWith(' ')) text = " " + text;
        if (!useRegex)
        {
            if (text.Length > 0) pieces.Add(ByteLevelAlphabet.Encode(text));
            return;
        }
        int first = pieces.Count;
        PatternSplitter.Split(text, Gpt2, SplitBehavior.Isolated, false, pieces);
        for (int i = first; i < pieces.Count; i++) pieces[i] = ByteLevelAlphabet.Encode(pieces[i]);
    }
}
