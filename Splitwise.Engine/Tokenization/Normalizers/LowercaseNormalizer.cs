namespace Splitwise.Engine.Tokenization.Normalizers;

internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}
