namespace Splitwise.Engine.Tokenization.Decoders;

/// <summary>"##" continuation pieces join the previous token; others are separated by a space.</summary>
internal sealed class WordPieceDecoder(string prefix) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            output.Add(i > 0 && t.StartsWith(prefix, StringComparison.Ordinal) ? t[prefix.Length..] : i > 0 ? " " + t : t);
        }
        return output;
    }
}
