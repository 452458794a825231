using System.Text;
using Splitwise.Engine.Tokenization.Models;

namespace Splitwise.Engine.Tokenization.Decoders;

/// <summary>
/// Runs of &lt;0xNN&gt; tokens become the text their bytes spell; a run that is not valid UTF-8 becomes one U+FFFD per byte.
/// </summary>
internal sealed class ByteFallbackDecoder : Decoder
{
    private static readonly UTF8Encoding Strict = new(false, true);

    public override List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var t in tokens)
        {
            int b = ByteFallbackIds.ByteOf(t);
            if (b >= 0) { pending.Add((byte)b); continue; }
            Flush(pending, output);
            output.Add(t);
        }
        Flush(pending, output);
        return output;
    }

    private static void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0) return;
        try { output.Add(Strict.GetString(pending.ToArray())); }
        catch (DecoderFallbackException) { for (int i = 0; i < pending.Count; i++) output.Add("\uFFFD"); }
        pending.Clear();
    }
}
