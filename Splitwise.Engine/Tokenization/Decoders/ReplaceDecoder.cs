using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.Decoders;

internal sealed class ReplaceDecoder(SplitPattern pattern, string content) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(t => pattern.ReplaceAll(t, content));
}
