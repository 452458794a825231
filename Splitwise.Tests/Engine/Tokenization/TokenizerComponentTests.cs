using System.Text.Json;
using System.Text.Json.Nodes;
using Splitwise.Engine.Tokenization;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>Small hand-made tokenizer.json files that exercise one component each.</summary>
public class TokenizerComponentTests
{
    /// <summary>A BPE tokenizer.json over the given vocabulary and merges, with optional parts.</summary>
    private static string Json(string[] vocab, string[] merges, object? normalizer = null, object? preTokenizer = null,
        object? postProcessor = null, object? decoder = null, object[]? addedTokens = null, Dictionary<string, object?>? model = null)
    {
        var m = new Dictionary<string, object?>
        {
            ["type"] = "BPE",
            ["vocab"] = vocab.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i),
            ["merges"] = merges,
        };
        if (model is not null) foreach (var (k, v) in model) m[k] = v;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens ?? [],
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = postProcessor,
            ["decoder"] = decoder,
            ["model"] = m,
        });
    }

    private static readonly string[] Letters = ["<unk>", "a", "b", "c", "d", "▁", "ab", "abc", "▁a", "cd"];
    private static readonly string[] LetterMerges = ["a b", "ab c", "▁ a", "c d"];

    [Fact]
    public void Bpe_merges_by_rank_with_unk_and_fuse_unk()
    {
        var t = Tokenizer.FromJson(Json(Letters, LetterMerges, model: new() { ["unk_token"] = "<unk>", ["fuse_unk"] = true }));
        Assert.Equal([7, 9], t.Encode("abccd"[..3] + "cd", false)); // abc + cd
        Assert.Equal([6, 0, 1], t.Encode("abxya", false));          // xy fused into one unk
        var unfused = Tokenizer.FromJson(Json(Letters, LetterMerges, model: new() { ["unk_token"] = "<unk>" }));
        Assert.Equal([6, 0, 0, 1], unfused.Encode("abxya", false));
        var noUnk = Tokenizer.FromJson(Json(Letters, LetterMerges));
        Assert.Equal([6, 1], noUnk.Encode("abxya", false));        // characters without a token are dropped
    }

    [Fact]
    public void Ignore_merges_takes_whole_words_from_the_vocabulary()
    {
        string[] vocab = ["a", "b", "c", "ab", "bc", "abc"];
        string[] merges = ["b c", "a bc"];
        var withMerges = Tokenizer.FromJson(Json(vocab, ["b c"]));
        Assert.Equal([0, 4], withMerges.Encode("abc", false));
        var ignore = Tokenizer.FromJson(Json(vocab, ["b c"], model: new() { ["ignore_merges"] = true }));
        Assert.Equal([5], ignore.Encode("abc", false));
        Assert.Equal([4, 4], ignore.Encode("bcbc", false)); // not a vocabulary word: merges still apply
        Assert.Equal([5], Tokenizer.FromJson(Json(vocab, merges)).Encode("abc", false)); // reached through merges too
    }

    [Fact]
    public void Byte_fallback_spells_unknown_characters_as_bytes_and_decodes_them_back()
    {
        var vocab = new List<string> { "<unk>", "▁", "h", "i", "▁h", "▁hi" };
        for (int b = 0; b < 256; b++) vocab.Add($"<0x{b:X2}>");
        var json = Json(vocab.ToArray(), ["▁ h", "▁h i"],
            normalizer: new { type = "Sequence", normalizers = new object[] { new { type = "Prepend", prepend = "▁" }, new { type = "Replace", pattern = new { String = " " }, content = "▁" } } },
            decoder: new { type = "Sequence", decoders = new object[] { new { type = "Replace", pattern = new { String = "▁" }, content = " " }, new { type = "ByteFallback" }, new { type = "Fuse" }, new { type = "Strip", content = " ", start = 1, stop = 0 } } },
            model: new() { ["unk_token"] = "<unk>", ["byte_fallback"] = true });
        var t = Tokenizer.FromJson(json);
        var ids = t.Encode("hi é", false);
        Assert.Equal([5, 1, 6 + 0xC3, 6 + 0xA9], ids);
        Assert.Equal("hi é", t.Decode(ids));
        Assert.Equal("hi \uFFFD", t.Decode([5, 1, 6 + 0xC3]));                 // incomplete sequence
        Assert.Equal("hi \uFFFD\uFFFDh", t.Decode([5, 1, 6 + 0xC3, 6 + 0x41 + 0x80, 2])); // invalid run: one U+FFFD per byte
    }

    [Fact]
    public void Continuing_subword_prefix_and_end_of_word_suffix()
    {
        string[] vocab = ["a", "##b", "##c", "##bc", "a##bc"[..1] + "bc", "x</w>", "y", "yx</w>"];
        var t = Tokenizer.FromJson(Json(vocab, ["##b ##c", "a ##bc"], model: new() { ["continuing_subword_prefix"] = "##" }));
        Assert.Equal([4], t.Encode("abc", false));
        var suffix = Tokenizer.FromJson(Json(vocab, ["y x</w>"], model: new() { ["end_of_word_suffix"] = "</w>" }));
        Assert.Equal([7], suffix.Encode("yx", false));
    }

    [Theory]
    [InlineData("NFC", "e\u0301\uFB01", "é\uFB01")]
    [InlineData("NFKC", "e\u0301\uFB01①", "éfi1")]
    [InlineData("NFD", "é", "e\u0301")]
    [InlineData("NFKD", "ﬁé", "fie\u0301")]
    [InlineData("NFC", "\u1100\u1161\u11A8", "각")]
    [InlineData("NFC", "a\u0323\u0302", "ậ")]
    [InlineData("NFC", "a\u0302\u0323", "ậ")]
    [InlineData("NFKC", "ｈｅｌｌｏ", "hello")]
    public void Unicode_normalization_forms(string form, string input, string expected)
    {
        string[] vocab = ["<unk>"];
        var t = Tokenizer.FromJson(Json(vocab, [], normalizer: new { type = form }));
        Assert.Equal(expected, t.Pipeline.Normalizer!.Normalize(input));
    }

    [Fact]
    public void Lowercase_replace_regex_and_strip_normalizers()
    {
        var t = Tokenizer.FromJson(Json(["<unk>"], [], normalizer: new
        {
            type = "Sequence",
            normalizers = new object[] { new { type = "Lowercase" }, new { type = "Replace", pattern = new { Regex = @"\s+" }, content = " " }, new { type = "Strip", strip_left = true, strip_right = true } },
        }));
        Assert.Equal("hello big world", t.Pipeline.Normalizer!.Normalize("  HeLLo \t\n BIG  World "));
    }

    private static List<string> Pre(object preTokenizer, string text, bool atStart = true)
    {
        var t = Tokenizer.FromJson(Json(["<unk>"], [], preTokenizer: preTokenizer));
        var pieces = new List<string>();
        t.Pipeline.PreTokenizer!.PreTokenize(text, atStart, pieces);
        return pieces;
    }

    [Fact]
    public void Split_behaviors()
    {
        object Split(string behavior, bool invert = false) => new { type = "Split", pattern = new { String = "-" }, behavior, invert };
        Assert.Equal(["a", "-", "b", "-", "-", "c"], Pre(Split("Isolated"), "a-b--c"));
        Assert.Equal(["a", "b", "c"], Pre(Split("Removed"), "a-b--c"));
        Assert.Equal(["a-", "b-", "-", "c"], Pre(Split("MergedWithPrevious"), "a-b--c"));
        Assert.Equal(["a", "-b", "-", "-c"], Pre(Split("MergedWithNext"), "a-b--c"));
        Assert.Equal(["a", "-", "b", "--", "c"], Pre(Split("Contiguous"), "a-b--c"));
        Assert.Equal(["-", "-", "-"], Pre(Split("Removed", invert: true), "a-b--c"));
    }

    [Fact]
    public void Metaspace_prepend_schemes_and_digits()
    {
        object Meta(string scheme, bool split = true) => new { type = "Metaspace", replacement = "▁", prepend_scheme = scheme, split };
        Assert.Equal(["▁hello", "▁world"], Pre(Meta("always"), "hello world"));
        Assert.Equal(["▁hello", "▁world"], Pre(Meta("first"), "hello world"));
        Assert.Equal(["hello", "▁world"], Pre(Meta("first"), "hello world", atStart: false));
        Assert.Equal(["hello", "▁world"], Pre(Meta("never"), "hello world"));
        Assert.Equal(["▁hello▁world"], Pre(Meta("always", split: false), "hello world"));
        Assert.Equal(["ab", "1", "2", "x", "3"], Pre(new { type = "Digits", individual_digits = true }, "ab12x3"));
        Assert.Equal(["ab", "12", "x", "٣"], Pre(new { type = "Digits", individual_digits = false }, "ab12x٣"));
        Assert.Equal(["Ġhello", "Ġworld", "!"], Pre(new { type = "ByteLevel", add_prefix_space = true, use_regex = true }, "hello world!"));
    }

    [Fact]
    public void Metaspace_decoder_drops_the_prefix_space_of_the_first_token()
    {
        var t = Tokenizer.FromJson(Json(["▁hello", "▁world"], [], decoder: new { type = "Metaspace", replacement = "▁", prepend_scheme = "always", split = true }));
        Assert.Equal("hello world", t.Decode([0, 1]));
        var never = Tokenizer.FromJson(Json(["▁hello", "▁world"], [], decoder: new { type = "Metaspace", replacement = "▁", prepend_scheme = "never", split = true }));
        Assert.Equal(" hello world", never.Decode([0, 1]));
    }

    [Fact]
    public void Added_tokens_with_lstrip_rstrip_single_word_and_normalized()
    {
        string[] vocab = ["<unk>", "a", "b", " ", "x"];
        object Added(int id, string content, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false, bool special = true) =>
            new { id, content, single_word = singleWord, lstrip, rstrip, normalized, special };
        var t = Tokenizer.FromJson(Json(vocab, [], normalizer: new { type = "Lowercase" },
            addedTokens:
            [
                Added(5, "<mask>", lstrip: true, rstrip: true),
                Added(6, "<tag>"),
                Added(7, "<tagx>"),
                Added(8, "ab", singleWord: true, special: false),
                Added(9, "XB", normalized: true, special: false),
            ], model: new() { ["unk_token"] = "<unk>" }));
        Assert.Equal([1, 5, 2], t.Encode("a  <mask>  b", false));      // lstrip/rstrip eat the spaces
        Assert.Equal([6, 7], t.Encode("<tag><tagx>", false));          // longest match at a position
        Assert.Equal([8, 3, 1, 2, 1], t.Encode("ab aba", false));      // single_word: not inside "aba"
        Assert.Equal([1, 9], t.Encode("aXb", false));                   // normalized token matches the lowercased text
        Assert.Equal("a <mask> b", t.Decode([1, 5, 2]));                   // no decoder: tokens joined by spaces, as Hugging Face does
        Assert.Equal("a b", t.Decode([1, 5, 2], skipSpecialTokens: true));
        Assert.True(t.IsSpecialToken(5));
        Assert.False(t.IsSpecialToken(8));
    }

    [Fact]
    public void Template_processing_adds_bos_and_eos()
    {
        var t = Tokenizer.FromJson(Json(["<s>", "</s>", "a"], [], postProcessor: new
        {
            type = "TemplateProcessing",
            single = new object[] { new { SpecialToken = new { id = "<s>", type_id = 0 } }, new { Sequence = new { id = "A", type_id = 0 } }, new { SpecialToken = new { id = "</s>", type_id = 0 } } },
            pair = Array.Empty<object>(),
            special_tokens = new Dictionary<string, object> { ["<s>"] = new { id = "<s>", ids = new[] { 0 }, tokens = new[] { "<s>" } }, ["</s>"] = new { id = "</s>", ids = new[] { 1 }, tokens = new[] { "</s>" } } },
        }));
        Assert.Equal([0, 2, 2, 1], t.Encode("aa", true));
        Assert.Equal([2, 2], t.Encode("aa", false));
    }

    [Fact]
    public void Config_add_bos_and_add_eos_rebuild_llama_post_processing()
    {
        var json = Json(["<s>", "</s>", "a"], []);
        var t = Tokenizer.FromJson(json, """{"bos_token": {"content": "<s>"}, "eos_token": "</s>", "add_bos_token": true, "add_eos_token": true, "tokenizer_class": "LlamaTokenizerFast"}""");
        Assert.Equal([0, 2, 1], t.Encode("a", true));
        Assert.Equal(0, t.BosTokenId);
        Assert.Equal([1], t.EosTokenIds);
        var other = Tokenizer.FromJson(json, """{"bos_token": "<s>", "add_bos_token": true, "tokenizer_class": "Qwen2Tokenizer"}""");
        Assert.Equal([2], other.Encode("a", true)); // only Llama-family classes rebuild from the flags
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "{", "not valid JSON" },
        { "[]", "top level" },
        { """{"model": {"type": "Unigram", "vocab": []}}""", "model type 'Unigram' is not supported" },
        { """{"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}}""", "\"a\" has id \"x\"" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}""", "\"b\" is not in the vocabulary" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}""", "the result \"ab\" is not in the vocabulary" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}}""", "not two tokens" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}}""", "unk token \"<unk>\" is not in the vocabulary" },
        { """{"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}}""", "id 0 is used by both" },
        { """{"normalizer": {"type": "Precompiled"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "normalizer type 'Precompiled' is not supported" },
        { """{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(a"}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "pre_tokenizer.pattern" },
        { """{"pre_tokenizer": {"type": "Split", "pattern": {"String": "a"}, "behavior": "Sideways"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "unknown split behavior 'Sideways'" },
        { """{"decoder": {"type": "Sequence", "decoders": [{"type": "CTC"}]}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "decoder.decoders[0].type" },
        { """{"added_tokens": [{"id": 3}], "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "added_tokens[0]: missing string field 'content'" },
        { """{"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}], "special_tokens": {}}, "model": {"type": "BPE", "vocab": {}, "merges": []}}""", "special token '<s>' is not listed" },
        { """{"normalizer": null}""", "missing field 'model'" },
    };

    [Theory, MemberData(nameof(Malformed))]
    public void Malformed_tokenizer_json_is_a_clear_error(string json, string detail)
    {
        var e = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json, source: "bad/tokenizer.json"));
        Assert.Contains("bad/tokenizer.json", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void Malformed_tokenizer_config_and_missing_files_are_clear_errors()
    {
        var json = Json(["a"], []);
        Assert.Contains("chat_template", Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json, """{"chat_template": 5}""")).Message);
        Assert.Contains("bos_token", Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json, """{"bos_token": 5}""")).Message);
        Assert.Contains("line 1", Assert.Throws<ChatTemplateException>(() => Tokenizer.FromJson(json, """{"chat_template": "{% include 'x' %}"}""")).Message);
        Assert.Throws<FileNotFoundException>(() => Tokenizer.Load("/nonexistent/tokenizer.json"));
        var dir = Directory.CreateTempSubdirectory("splitwise-tok");
        try { Assert.Contains("no tokenizer.json", Assert.Throws<TokenizerFormatException>(() => Tokenizer.Load(dir.FullName)).Message); }
        finally { dir.Delete(true); }
    }
}
