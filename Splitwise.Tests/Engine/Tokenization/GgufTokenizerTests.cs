using System.Text.Json;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Tokenization;

public class GgufTokenizerTests
{
    public static TheoryData<string> GgufFiles => new() { "stories260k-f32.gguf", "stories260k-f16.gguf", "stories260k-q8_0.gguf", "stories260k-q4_0.gguf" };

    [Theory, MemberData(nameof(GgufFiles))]
    public void Stories260k_gguf_vocabulary_encodes_golden_prompts(string file)
    {
        var md = GgufMetadataForTests.Read(SharedData.Path("models", "stories260k", "gguf", file));
        var tokenizer = Tokenizer.FromGgufMetadata(md);
        using var golden = JsonDocument.Parse(File.ReadAllText(SharedData.Path("models", "stories260k", "golden.json")));
        foreach (var c in golden.RootElement.GetProperty("cases").EnumerateArray())
        {
            var prompt = c.GetProperty("prompt").GetString()!;
            var expected = SharedTokenizers.Ints(c.GetProperty("prompt_ids"));
            var ids = tokenizer.Encode(prompt, addSpecialTokens: true);
            Assert.True(expected.SequenceEqual(ids), $"{file} case {c.GetProperty("name")}: [{string.Join(",", ids)}]");
            Assert.Equal(prompt, tokenizer.Decode(ids, skipSpecialTokens: true));
        }
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal([2], tokenizer.EosTokenIds);
        Assert.Equal(512, tokenizer.VocabSize);
    }

    [Fact]
    public void Stories260k_gguf_decodes_golden_continuation()
    {
        var tokenizer = Tokenizer.FromGgufMetadata(GgufMetadataForTests.Read(SharedData.Path("models", "stories260k", "gguf", "stories260k-f32.gguf")));
        var hf = Tokenizer.Load(SharedData.Stories260K);
        using var golden = JsonDocument.Parse(File.ReadAllText(SharedData.Path("models", "stories260k", "golden.json")));
        var once = golden.RootElement.GetProperty("cases").EnumerateArray().First(c => c.GetProperty("name").GetString() == "once_upon");
        var ids = SharedTokenizers.Ints(once.GetProperty("prompt_ids")).Concat(SharedTokenizers.Ints(once.GetProperty("greedy_ids"))).ToArray();
        Assert.Equal(hf.Decode(ids), tokenizer.Decode(ids));
        Assert.StartsWith("<s> Once upon a time", tokenizer.Decode(ids));
        Assert.Equal("Once upon a time" + once.GetProperty("continuation_text").GetString(), tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    /// <summary>A GGUF "gpt2" vocabulary made from the llama3 tokenizer.json must encode the llama3 goldens the same way.</summary>
    [Theory]
    [InlineData("llama3", "llama-bpe")]
    [InlineData("qwen3", "qwen2")]
    public void Gpt2_style_gguf_vocabulary_matches_tokenizer_json(string name, string pre)
    {
        var md = GgufFromTokenizerJson(name, pre);
        var gguf = Tokenizer.FromGgufMetadata(md);
        var json = SharedTokenizers.Get(name);
        foreach (var c in SharedTokenizers.Golden(name).GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            if (name == "qwen3") text = text.Normalize(); // GGUF has no normalizer; keep to NFC input
            Assert.True(SharedTokenizers.Ints(c.GetProperty("ids")).SequenceEqual(gguf.Encode(text, false)), $"{name}: {text}");
            Assert.Equal(json.Decode(SharedTokenizers.Ints(c.GetProperty("ids"))), gguf.Decode(SharedTokenizers.Ints(c.GetProperty("ids"))));
        }
    }

    [Fact]
    public void Bad_gguf_metadata_is_a_clear_error()
    {
        var md = GgufMetadataForTests.Read(SharedData.Path("models", "stories260k", "gguf", "stories260k-f32.gguf"));
        var noScores = new Dictionary<string, object>(md);
        noScores.Remove("tokenizer.ggml.scores");
        Assert.Contains("tokenizer.ggml.scores", Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromGgufMetadata(noScores)).Message);
        var badModel = new Dictionary<string, object>(md) { ["tokenizer.ggml.model"] = "t5" };
        Assert.Contains("'t5' is not supported", Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromGgufMetadata(badModel)).Message);
        var badPre = GgufFromTokenizerJson("llama3", "no-such-pre");
        Assert.Contains("no-such-pre", Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromGgufMetadata(badPre)).Message);
    }

    /// <summary>Builds tokenizer.ggml.* metadata as llama.cpp's converter writes it for a byte-level BPE tokenizer.json.</summary>
    private static Dictionary<string, object> GgufFromTokenizerJson(string name, string pre)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Path("tokenizers", name, "tokenizer.json")));
        var model = doc.RootElement.GetProperty("model");
        var added = doc.RootElement.GetProperty("added_tokens").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetInt32(), a => a.GetProperty("content").GetString()!);
        int n = Math.Max(model.GetProperty("vocab").EnumerateObject().Max(p => p.Value.GetInt32()), added.Keys.Max()) + 1;
        var tokens = new string[n];
        var types = new int[n];
        Array.Fill(types, 1);
        foreach (var p in model.GetProperty("vocab").EnumerateObject()) tokens[p.Value.GetInt32()] = p.Name;
        foreach (var (id, content) in added) { tokens[id] = content; types[id] = 3; }
        for (int i = 0; i < n; i++) if (tokens[i] is null) { tokens[i] = $"[PAD{i}]"; types[i] = 5; }
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m[0].GetString() + " " + m[1].GetString()).ToArray();
        return new Dictionary<string, object>
        {
            ["tokenizer.ggml.model"] = "gpt2",
            ["tokenizer.ggml.pre"] = pre,
            ["tokenizer.ggml.tokens"] = tokens,
            ["tokenizer.ggml.token_type"] = types,
            ["tokenizer.ggml.merges"] = merges,
            ["tokenizer.ggml.bos_token_id"] = (uint)(name == "llama3" ? 128000 : 151643),
            ["tokenizer.ggml.eos_token_id"] = (uint)(name == "llama3" ? 128001 : 151645),
            ["tokenizer.ggml.add_bos_token"] = name == "llama3",
        };
    }
}
