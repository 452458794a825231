namespace Splitwise.Engine.Tokenization.Normalizers;

/// <summary>A rewrite of the text before it is split (tokenizer.json "normalizer").</summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);
}
