namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>
/// Hand-written scanners for the pre-token regexes of GPT-2, Llama 3 and Qwen 2/3, which dominate encode time.
/// They return exactly what the backtracking regex returns (tests compare them on Unicode text), without
/// a regex engine or any allocation per match.
/// </summary>
internal sealed class TiktokenStylePattern : SplitPattern
{
    /// <summary>The GPT-2 pattern (also ByteLevel's use_regex).</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Llama 3 (tiktoken cl100k-style): case-insensitive contractions, digits in groups of up to three.</summary>
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen 2/2.5/3: as Llama 3 but one digit per piece.</summary>
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly bool _gpt2;
    private readonly int _maxDigits;

    private TiktokenStylePattern(bool gpt2, int maxDigits) { _gpt2 = gpt2; _maxDigits = maxDigits; }

    public static TiktokenStylePattern? TryCreate(string pattern) => pattern switch
    {
        Gpt2 => new TiktokenStylePattern(true, int.MaxValue),
        Llama3 => new TiktokenStylePattern(false, 3),
        Qwen2 => new TiktokenStylePattern(false, 1),
        _ => null,
    };

    public override void FindMatches(string text, List<(int Start, int End)> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = _gpt2 ? NextGpt2(text, i) : NextLlama3(text, i);
            matches.Add((i, end));
            i = end;
        }
    }

    /// <summary>The end of the piece that starts at <paramref name="i"/>.</summary>
    public int NextEnd(string text, int i) => _gpt2 ? NextGpt2(text, i) : NextLlama3(text, i);

    private enum Kind : byte { Letter, Number, Space, Newline, Other }

    private static readonly Kind[] Ascii = BuildAscii();

    private static Kind[] BuildAscii()
    {
        var k = new Kind[128];
        for (int c = 0; c < 128; c++)
            k[c] = c is '\r' or '\n' ? Kind.Newline
                : UnicodeClasses.IsWhiteSpace(c) ? Kind.Space
                : UnicodeClasses.IsLetter(c) ? Kind.Letter
                : UnicodeClasses.IsNumber(c) ? Kind.Number : Kind.Other;
        return k;
    }

    /// <summary>Classifies the code point at i; <paramref name="width"/> is 2 for a surrogate pair.</summary>
    private static Kind KindAt(string s, int i, out int width)
    {
        char c = s[i];
        width = 1;
        if (c < 128) return Ascii[c];
        int cp = c;
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            cp = char.ConvertToUtf32(c, s[i + 1]);
            width = 2;
        }
        return UnicodeClasses.IsWhiteSpace(cp) ? Kind.Space
            : UnicodeClasses.IsLetter(cp) ? Kind.Letter
            : UnicodeClasses.IsNumber(cp) ? Kind.Number : Kind.Other;
    }

    private static int Skip(string s, int i, Kind kind, int maxCount = int.MaxValue)
    {
        int n = 0;
        while (i < s.Length && n < maxCount && KindAt(s, i, out int w) == kind) { i += w; n++; }
        return i;
    }

    private static bool IsWs(Kind k) => k is Kind.Space or Kind.Newline;

    private static int SkipWhitespace(string s, int i, out int lastWidth, out int lastNewlineEnd)
    {
        lastWidth = 0;
        lastNewlineEnd = -1;
        while (i < s.Length)
        {
            var k = KindAt(s, i, out int w);
            if (!IsWs(k)) break;
            i += w;
            lastWidth = w;
            if (k == Kind.Newline) lastNewlineEnd = i;
        }
        return i;
    }

    private static int SkipNewlines(string s, int i)
    {
        while (i < s.Length && s[i] is '\r' or '\n') i++;
        return i;
    }

    /// <summary>'s 't 're 've 'm 'll 'd at i; ignoreCase folds ASCII letters and ſ/K as Rust's (?i) does.</summary>
    private static int Contraction(string s, int i, bool ignoreCase)
    {
        if (s[i] != '\'' || i + 1 >= s.Length) return -1;
        int a = Lower(s[i + 1], ignoreCase);
        if (a is 's' or 't' or 'm' or 'd') return i + 2;
        if (i + 2 >= s.Length) return -1;
        int b = Lower(s[i + 2], ignoreCase);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? i + 3 : -1;
    }

    private static int Lower(char c, bool ignoreCase) => ignoreCase ? UnicodeClasses.Fold(c) : c;

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    private int NextLlama3(string s, int i)
    {
        int e = Contraction(s, i, ignoreCase: true);
        if (e > 0) return e;
        var k = KindAt(s, i, out int w);
        if (k == Kind.Letter) return Skip(s, i, Kind.Letter);
        if (k is Kind.Space or Kind.Other && i + w < s.Length && KindAt(s, i + w, out _) == Kind.Letter)
            return Skip(s, i + w, Kind.Letter);
        if (k == Kind.Number) return Skip(s, i, Kind.Number, _maxDigits);
        if (k == Kind.Other) return SkipNewlines(s, Skip(s, i, Kind.Other));
        if (s[i] == ' ' && i + 1 < s.Length && KindAt(s, i + 1, out _) == Kind.Other)
            return SkipNewlines(s, Skip(s, i + 1, Kind.Other));
        int runEnd = SkipWhitespace(s, i, out int lastWidth, out int lastNewlineEnd);
        if (lastNewlineEnd > 0) return lastNewlineEnd;
        return runEnd == s.Length || runEnd - lastWidth == i ? runEnd : runEnd - lastWidth;
    }

    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    private static int NextGpt2(string s, int i)
    {
        int e = Contraction(s, i, ignoreCase: false);
        if (e > 0) return e;
        int start = i;
        if (s[i] == ' ' && i + 1 < s.Length)
        {
            var next = KindAt(s, i + 1, out _);
            if (next is Kind.Letter or Kind.Number or Kind.Other) return Skip(s, i + 1, next);
        }
        var k = KindAt(s, start, out _);
        if (k is Kind.Letter or Kind.Number or Kind.Other) return Skip(s, start, k);
        int runEnd = SkipWhitespace(s, i, out int lastWidth, out _);
        return runEnd == s.Length || runEnd - lastWidth == i ? runEnd : runEnd - lastWidth;
    }
}
