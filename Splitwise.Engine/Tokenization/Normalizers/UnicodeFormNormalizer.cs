namespace Splitwise.Engine.Tokenization.Normalizers;

/// <summary>NFC, NFD, NFKC or NFKD.</summary>
internal sealed class UnicodeFormNormalizer(bool compose, bool compatibility) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, compose, compatibility);
}
