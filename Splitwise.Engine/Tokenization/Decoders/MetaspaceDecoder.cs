using Splitwise.Engine.Tokenization.PreTokenizers;

namespace Splitwise.Engine.Tokenization.Decoders;

/// <summary>▁ becomes a space; in the first token (when a prefix was prepended) the ▁ is dropped instead.</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            output.Add(i == 0 && scheme != PrependScheme.Never ? t.Replace(replacement.ToString(), "") : t.Replace(replacement, ' '));
        }
        return output;
    }
}
