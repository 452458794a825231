using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>The pre-token regexes on Unicode: the hand-written scanners must agree with the code-point regex engine.</summary>
public class PreTokenizerPatternTests
{
    private static List<string> Pieces(SplitPattern p, string text)
    {
        var m = new List<(int Start, int End)>();
        p.FindMatches(text, m);
        return m.Select(r => text[r.Start..r.End]).ToList();
    }

    public static TheoryData<string, string, string[]> Expected => new()
    {
        // Surrogate pairs: a letter outside the BMP is \p{L}; .NET's Regex would see two surrogates (\p{Cs}) instead.
        { TiktokenStylePattern.Llama3, "𝔘𝔫𝔦 𝕏", ["𝔘𝔫𝔦", " 𝕏"] },
        { TiktokenStylePattern.Llama3, "emoji: 😀👍🏽🇺🇸", ["emoji", ":", " 😀👍🏽🇺🇸"] },
        { TiktokenStylePattern.Llama3, "你好，世界！", ["你好", "，世界", "！"] },
        { TiktokenStylePattern.Llama3, "مرحبا بالعالم", ["مرحبا", " بالعالم"] },
        // Thai vowel signs are \p{M}, not \p{L}: a mark starts a new piece as the optional non-letter prefix.
        { TiktokenStylePattern.Llama3, "สวัสดี", ["สว", "ัสด", "ี"] },
        { TiktokenStylePattern.Llama3, "cafe\u0301 ok", ["cafe", "\u0301", " ok"] },
        { TiktokenStylePattern.Llama3, "It's THEY'RE we'Ve", ["It", "'s", " THEY", "'RE", " we", "'Ve"] },
        { TiktokenStylePattern.Llama3, "1234567 x²", ["123", "456", "7", " x", "²"] },
        { TiktokenStylePattern.Llama3, "a  \n\n  b\r\n", ["a", "  \n\n", " ", " b", "\r\n"] },
        { TiktokenStylePattern.Llama3, "x   ", ["x", "   "] },
        { TiktokenStylePattern.Llama3, "?!\n\nz", ["?!\n\n", "z"] },
        { TiktokenStylePattern.Qwen2, "2024 年", ["2", "0", "2", "4", " 年"] },
        { TiktokenStylePattern.Gpt2, "Hello  world's 42!!", ["Hello", " ", " world", "'s", " 42", "!!"] },
        { TiktokenStylePattern.Gpt2, "it'S", ["it", "'", "S"] },
    };

    [Theory, MemberData(nameof(Expected))]
    public void Scanner_and_regex_engine_give_the_reference_pieces(string pattern, string text, string[] expected)
    {
        Assert.Equal(expected, Pieces(SplitPattern.Regex(pattern), text));
        Assert.Equal(expected, Pieces(new CodePointRegexPattern(CodePointRegex.Parse(pattern)), text));
    }

    [Fact]
    public void Regex_patterns_pick_the_fast_scanner_only_for_known_patterns()
    {
        Assert.IsType<TiktokenStylePattern>(SplitPattern.Regex(TiktokenStylePattern.Llama3));
        Assert.IsType<CodePointRegexPattern>(SplitPattern.Regex(@"\p{L}+|\s+"));
    }

    /// <summary>Random strings over a Unicode-heavy alphabet: scanner == regex engine for all three patterns.</summary>
    [Theory]
    [InlineData(TiktokenStylePattern.Llama3)]
    [InlineData(TiktokenStylePattern.Qwen2)]
    [InlineData(TiktokenStylePattern.Gpt2)]
    public void Scanner_matches_regex_engine_on_random_unicode(string pattern)
    {
        string[] alphabet = ["a", "Z", "é", "ß", "ſ", "\u212A", "'", "s", "t", "re", "LL", "d", "M", " ", "  ", "\t", "\n", "\r", "\u00A0", "\u3000", "1", "٣", "²", "Ⅻ",
            ".", ",", "!", "-", "_", "(", "😀", "🏽", "𝔘", "你", "ا", "ส", "ั", "\u0301", "\u200D", "\uD800", "\uDC00"];
        var fast = SplitPattern.Regex(pattern);
        var slow = new CodePointRegexPattern(CodePointRegex.Parse(pattern));
        var random = new Random(42);
        for (int trial = 0; trial < 3000; trial++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 14)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            Assert.True(Pieces(slow, text).SequenceEqual(Pieces(fast, text)),
                $"'{text}': regex [{string.Join("|", Pieces(slow, text))}] scanner [{string.Join("|", Pieces(fast, text))}]");
        }
    }

    [Theory]
    [InlineData("(?i:'s|'t)", "'S 'T 'ſ", new[] { "'S", "'T", "'ſ" })]
    [InlineData(@"\s+(?!\S)", "a   b", new[] { "  " })]
    [InlineData(@"(?<=a)b+", "abbb cb", new[] { "bbb" })]
    [InlineData(@"[^\s\p{L}\p{N}]+", "a-+=b 😀", new[] { "-+=", "😀" })]
    [InlineData(@"\p{N}{1,3}", "12345", new[] { "123", "45" })]
    [InlineData(@"a+?b", "aaab", new[] { "aaab" })]
    [InlineData(@"[\u4e00-\u9fff]+|\d+", "ab你好12", new[] { "你好", "12" })]
    [InlineData(@"^\w+|\w+$", "one two three", new[] { "one", "three" })]
    public void Regex_engine_follows_rust_semantics(string pattern, string text, string[] expected) =>
        Assert.Equal(expected, Pieces(SplitPattern.Regex(pattern), text));

    [Theory]
    [InlineData("(abc", "missing ')'")]
    [InlineData(@"\p{Han}+", "unsupported Unicode property")]
    [InlineData(@"(a)\1", "backreferences")]
    [InlineData("[a-", "unterminated character class")]
    [InlineData("*a", "nothing to repeat")]
    [InlineData("a{3,1}", "n < m")]
    public void Unsupported_regex_is_a_clear_error(string pattern, string detail)
    {
        var e = Assert.Throws<Splitwise.Engine.Tokenization.TokenizerFormatException>(() => SplitPattern.Regex(pattern));
        Assert.Contains(detail, e.Message);
    }
}
