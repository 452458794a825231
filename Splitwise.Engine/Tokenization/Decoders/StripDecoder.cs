namespace Splitwise.Engine.Tokenization.Decoders;

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from every token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            int a = 0, b = t.Length;
            while (a < start && a < b && t[a] == content) a++;
            while (t.Length - b < stop && b > a && t[b - 1] == content) b--;
            output.Add(t[a..b]);
        }
        return output;
    }
}
