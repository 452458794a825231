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

public class GgufPreTokenizerTests
{
    /// <summary>
    /// A byte-level vocabulary with merges "1 2" and "Ġ a": which pieces the pre-tokenizer makes decides whether they apply.
    /// smollm isolates every digit (no "12"), GPT-2 keeps " 12" together, llama-bpe groups up to three digits.
    /// </summary>
    [Theory]
    [InlineData("smollm", new[] { "x", "Ġ", "1", "2", "Ġa" })]
    [InlineData("gpt-2", new[] { "x", "Ġ", "12", "Ġa" })]
    [InlineData("llama-bpe", new[] { "x", "Ġ", "12", "Ġa" })]
    [InlineData("qwen2", new[] { "x", "Ġ", "1", "2", "Ġa" })]
    public void Pre_tokenizer_type_decides_the_pieces(string pre, string[] expected)
    {
        var byteChars = Enumerable.Range(0, 256).Select(b => ByteLevelChar(b)).ToList();
        var tokens = byteChars.Concat(["12", "Ġa", "<|end|>"]).ToArray();
        var md = new Dictionary<string, object>
        {
            ["tokenizer.ggml.model"] = "gpt2",
            ["tokenizer.ggml.pre"] = pre,
            ["tokenizer.ggml.tokens"] = tokens,
            ["tokenizer.ggml.token_type"] = tokens.Select(t => t == "<|end|>" ? 3 : 1).ToArray(),
            ["tokenizer.ggml.merges"] = new[] { "1 2", "Ġ a" },
            ["tokenizer.ggml.eos_token_id"] = (uint)(tokens.Length - 1),
        };
        var tokenizer = Splitwise.Engine.Tokenization.Tokenizer.FromGgufMetadata(md);
        var ids = tokenizer.Encode("x 12 a<|end|>", addSpecialTokens: true);
        Assert.Equal(expected.Append("<|end|>"), ids.Select(id => tokenizer.IdToToken(id)));
        Assert.Equal("x 12 a<|end|>", tokenizer.Decode(ids));
        Assert.Equal([tokens.Length - 1], tokenizer.EosTokenIds);
    }

    private static string ByteLevelChar(int b)
    {
        int n = 0;
        for (int x = 0; x < 256; x++)
        {
            bool printable = x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            if (x == b) return printable ? ((char)x).ToString() : ((char)(256 + n)).ToString();
            if (!printable) n++;
        }
        throw new ArgumentOutOfRangeException(nameof(b));
    }
}

public class GgufTokenizerLoadTests
{
    /// <summary>Tokenizer.Load on a .gguf goes through the engine's GGUF reader and agrees with the test-only metadata reader.</summary>
    [Fact]
    public void Load_reads_the_vocabulary_from_a_gguf_file()
    {
        var path = Splitwise.Tests.Support.SharedData.Path("models", "stories260k", "gguf", "stories260k-q8_0.gguf");
        var viaLoad = Splitwise.Engine.Tokenization.Tokenizer.Load(path);
        var viaMetadata = Splitwise.Engine.Tokenization.Tokenizer.FromGgufMetadata(GgufMetadataForTests.Read(path));
        const string text = "Lily and Ben went to the park. They saw a big dog.";
        Assert.Equal([1, 317, 269, 368, 302, 263, 377, 267, 265, 282, 295, 433, 426, 342, 394, 261, 370, 400, 428, 426], viaLoad.Encode(text, true));
        Assert.Equal(viaMetadata.Encode(text, true), viaLoad.Encode(text, true));
        Assert.Equal(viaMetadata.EosTokenIds, viaLoad.EosTokenIds);
    }
}
