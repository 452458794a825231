using System.IO.Compression;
using System.Text;

namespace Splitwise.Engine.Tokenization.Normalizers;

/// <summary>
/// NFC/NFD/NFKC/NFKD from an embedded copy of the Unicode decomposition data. The product runs with invariant
/// globalization, where <see cref="string.Normalize()"/> has no ICU tables and leaves text unchanged.
/// </summary>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private sealed class Tables
    {
        public readonly Dictionary<int, byte> CombiningClass = new();
        public readonly Dictionary<int, int[]> Canonical = new();
        public readonly Dictionary<int, int[]> Compatibility = new();
        public readonly Dictionary<long, int> Compose = new();
    }

    private static readonly Lazy<Tables> Data = new(LoadTables);

    public static string Normalize(string text, bool compose, bool compatibility)
    {
        // Text below these code points is already in the form: nothing under U+00A0 has a decomposition, nothing
        // under U+00C0 a canonical one, and under U+0300 every character is already composed.
        int limit = compatibility ? 0xA0 : compose ? 0x300 : 0xC0;
        int k = 0;
        while (k < text.Length && text[k] < limit) k++;
        if (k == text.Length) return text;

        var t = Data.Value;
        var buffer = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes()) Decompose(t, rune.Value, compatibility, buffer);
        ReorderMarks(t, buffer);
        if (compose) ComposeInPlace(t, buffer);
        var sb = new StringBuilder(buffer.Count + 4);
        foreach (var cp in buffer) sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }

    private static int Ccc(Tables t, int cp) => t.CombiningClass.TryGetValue(cp, out var c) ? c : 0;

    private static void Decompose(Tables t, int cp, bool compatibility, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (t.Canonical.TryGetValue(cp, out var d) || (compatibility && t.Compatibility.TryGetValue(cp, out d)))
        {
            foreach (var x in d) Decompose(t, x, compatibility, output);
            return;
        }
        output.Add(cp);
    }

    private static void ReorderMarks(Tables t, List<int> s)
    {
        // Stable sort of every run of non-starters by combining class (runs are short: insertion sort).
        for (int i = 1; i < s.Count; i++)
        {
            int c = Ccc(t, s[i]);
            if (c == 0) continue;
            int j = i;
            while (j > 0 && Ccc(t, s[j - 1]) > c) { (s[j - 1], s[j]) = (s[j], s[j - 1]); j--; }
        }
    }

    private static void ComposeInPlace(Tables t, List<int> s)
    {
        if (s.Count == 0) return;
        int starterIndex = 0, starter = s[0];
        int lastClass = Ccc(t, starter) == 0 ? 0 : 256;
        int outPos = 1;
        for (int i = 1; i < s.Count; i++)
        {
            int ch = s[i], cc = Ccc(t, ch);
            int composite = ComposePair(t, starter, ch);
            if (composite >= 0 && (lastClass < cc || lastClass == 0))
            {
                s[starterIndex] = composite;
                starter = composite;
                continue;
            }
            if (cc == 0) { starterIndex = outPos; starter = ch; }
            lastClass = cc;
            s[outPos++] = ch;
        }
        s.RemoveRange(outPos, s.Count - outPos);
    }

    private static int ComposePair(Tables t, int a, int b)
    {
        if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
            return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
        if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
            return a + (b - TBase);
        return t.Compose.TryGetValue(((long)a << 21) | (uint)b, out var c) ? c : -1;
    }

    private static Tables LoadTables()
    {
        var t = new Tables();
        var excluded = new HashSet<int>();
        using var stream = typeof(UnicodeNormalization).Assembly.GetManifestResourceStream("Splitwise.Engine.Tokenization.UnicodeNormalization.data.gz")
            ?? throw new InvalidOperationException("Embedded Unicode normalization data is missing from Splitwise.Engine.");
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress), Encoding.ASCII);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            int cp = Convert.ToInt32(parts[1], 16);
            switch (parts[0])
            {
                case "C": t.CombiningClass[cp] = byte.Parse(parts[2]); break;
                case "E": excluded.Add(cp); break;
                case "D": t.Canonical[cp] = parts.Skip(2).Select(p => Convert.ToInt32(p, 16)).ToArray(); break;
                case "K": t.Compatibility[cp] = parts.Skip(2).Select(p => Convert.ToInt32(p, 16)).ToArray(); break;
            }
        }
        foreach (var (cp, d) in t.Canonical)
            if (d.Length == 2 && !excluded.Contains(cp))
                t.Compose[((long)d[0] << 21) | (uint)d[1]] = cp;
        return t;
    }
}
