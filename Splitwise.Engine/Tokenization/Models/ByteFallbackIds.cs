namespace Splitwise.Engine.Tokenization.Models;

/// <summary>The ids of the 256 byte tokens &lt;0x00&gt;..&lt;0xFF&gt; (null if the vocabulary lacks any of them).</summary>
internal static class ByteFallbackIds
{
    public static int[]? Find(Vocabulary vocab)
    {
        var ids = new int[256];
        for (int b = 0; b < 256; b++)
            if (!vocab.TryGetId($"<0x{b:X2}>", out ids[b])) return null;
        return ids;
    }

    /// <summary>The byte a "&lt;0xNN&gt;" token stands for, or -1.</summary>
    public static int ByteOf(string token)
    {
        if (token.Length != 6 || !token.StartsWith("<0x", StringComparison.Ordinal) || token[5] != '>') return -1;
        return int.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int v) ? v : -1;
    }
}
