using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.Normalizers;

/// <summary>Replaces every match of a literal or regex pattern.</summary>
internal sealed class ReplaceNormalizer(SplitPattern pattern, string content) : Normalizer
{
    public override string Normalize(string text) => pattern.ReplaceAll(text, content);
}
