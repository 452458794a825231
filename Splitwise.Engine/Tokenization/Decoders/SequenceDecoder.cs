namespace Splitwise.Engine.Tokenization.Decoders;

internal sealed class SequenceDecoder(IReadOnlyList<Decoder> steps) : Decoder
{
    public IReadOnlyList<Decoder> Steps => steps;

    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var d in steps) tokens = d.DecodeChain(tokens);
        return tokens;
    }
}
