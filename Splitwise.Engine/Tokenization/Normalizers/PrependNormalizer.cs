namespace Splitwise.Engine.Tokenization.Normalizers;

/// <summary>Prepends a string to non-empty text (SentencePiece's dummy prefix "▁").</summary>
internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}
