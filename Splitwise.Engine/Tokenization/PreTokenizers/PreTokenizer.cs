namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>
/// Splits normalized text into the pieces the model encodes independently (tokenizer.json "pre_tokenizer").
/// <paramref name="atTextStart"/> is true for the segment that begins the input (not one after an added token).
/// </summary>
internal abstract class PreTokenizer
{
    public abstract void PreTokenize(string text, bool atTextStart, List<string> pieces);
}
