using Splitwise.Engine.Tokenization;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>The allocation-free byte-level path must give exactly what the general pre-tokenizer + model pipeline gives.</summary>
public class ByteLevelFastPathTests
{
    [Theory]
    [InlineData("llama3")]
    [InlineData("qwen3")]
    public void Fast_path_equals_general_pipeline_on_random_unicode(string name)
    {
        var tokenizer = SharedTokenizers.Get(name);
        string[] alphabet = ["the", " cat", "'s", "'LL", " ", "  ", "\n", "\r\n", "\t", "42", "1234567", "é", "ñ", "ß", "你好", "世界", "😀", "👍🏽", "𝔘",
            "مرحبا", "สวัสดี", "e\u0301", ".", "!!", "(", "){", " -", "_x", "\u00A0", "\u3000", new string('a', 40), new string(' ', 30)];
        var random = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 20)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            var normalized = tokenizer.Pipeline.Normalizer?.Normalize(text) ?? text;
            var pieces = new List<string>();
            tokenizer.Pipeline.PreTokenizer!.PreTokenize(normalized, true, pieces);
            var expected = new List<int>();
            foreach (var p in pieces) tokenizer.Pipeline.Model.Encode(p, expected);
            Assert.True(expected.SequenceEqual(tokenizer.Encode(text, false)), $"{name}: '{text}'");
        }
    }

    [Fact]
    public void Long_pieces_use_the_queue_merge_and_agree_with_short_merges()
    {
        var tokenizer = SharedTokenizers.Get("qwen3");
        // 300 letters: one piece far above the short-merge limit; a decode round trip checks it.
        var text = string.Concat(Enumerable.Repeat("abcdefghij", 30));
        var ids = tokenizer.Encode(text, false);
        Assert.Equal(text, tokenizer.Decode(ids));
        var spaces = new string(' ', 5000) + "x";
        Assert.Equal(spaces, tokenizer.Decode(tokenizer.Encode(spaces, false)));
    }
}
