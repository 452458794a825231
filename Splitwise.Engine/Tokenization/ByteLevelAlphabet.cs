using System.Text;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// GPT-2's byte-to-character map: printable bytes stand for themselves, the other 68 bytes (controls, space,
/// 0x7F-0xA0, 0xAD) map to U+0100 onward, so every byte sequence is a visible string of vocabulary characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    public static readonly char[] ByteToChar = Build();
    public static readonly short[] CharToByte = Invert(ByteToChar);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] Invert(char[] map)
    {
        var inv = new short[512];
        Array.Fill(inv, (short)-1);
        for (int b = 0; b < 256; b++) inv[map[b]] = (short)b;
        return inv;
    }

    /// <summary>The byte-level spelling of <paramref name="text"/> (its UTF-8 bytes as map characters).</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(n, bytes[..n].ToArray(), static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });
    }

    /// <summary>Appends the bytes a byte-level token stands for; false (and nothing appended) if a character is outside the map.</summary>
    public static bool TryDecode(string token, List<byte> output)
    {
        foreach (char c in token)
            if (c >= CharToByte.Length || CharToByte[c] < 0) return false;
        foreach (char c in token) output.Add((byte)CharToByte[c]);
        return true;
    }
}
