using Splitwise.Tests.Support;
using Splitwise.Engine.Tokenization;

namespace Splitwise.Tests.Engine.Tokenization;

public class TokenizerGoldenTests
{
    public static TheoryData<string, int, string> Cases => SharedTokenizers.AllCases();

    [Theory, MemberData(nameof(Cases))]
    public void Encode_without_special_tokens_matches_reference(string tokenizer, int index, string text)
    {
        var expected = SharedTokenizers.Ints(SharedTokenizers.Case(tokenizer, index).GetProperty("ids"));
        Assert.Equal(expected, SharedTokenizers.Get(tokenizer).Encode(text, addSpecialTokens: false));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Encode_with_special_tokens_matches_reference(string tokenizer, int index, string text)
    {
        var expected = SharedTokenizers.Ints(SharedTokenizers.Case(tokenizer, index).GetProperty("ids_with_special_tokens"));
        Assert.Equal(expected, SharedTokenizers.Get(tokenizer).Encode(text, addSpecialTokens: true));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Decode_matches_reference(string tokenizer, int index, string text)
    {
        var c = SharedTokenizers.Case(tokenizer, index);
        var ids = SharedTokenizers.Ints(c.GetProperty("ids"));
        var decoded = c.GetProperty("decoded").GetString()!;
        var tok = SharedTokenizers.Get(tokenizer);
        if (tokenizer == "llama2-32k" && text == "<s>not special</s>")
        {
            // The one inconsistent golden row: its ids are the Hugging Face encoding [<s>, ▁not, ▁special, </s>], but
            // its "decoded" is @lenml's decode of @lenml's own, different encoding [<s>, not, ▁special, </s>]
            // (the README says the two encoders disagree on exactly this case). spm-bpe-32k has the same decoder and
            // the same token shapes, and its golden decodes them to "<s> not special</s>". Hold both facts.
            Assert.Equal("<s> not special</s>", tok.Decode(ids));
            Assert.Equal(decoded, tok.Decode([1, 1333, 4266, 2]));
            return;
        }
        Assert.Equal(decoded, tok.Decode(ids));
    }

    [Fact]
    public void Stories260k_tokenizer_json_encodes_golden_prompts_with_bos()
    {
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(SharedData.Path("models", "stories260k", "golden.json")));
        int checkedCases = 0;
        foreach (var c in golden.RootElement.GetProperty("cases").EnumerateArray())
        {
            var prompt = c.GetProperty("prompt").GetString()!;
            var expected = SharedTokenizers.Ints(c.GetProperty("prompt_ids"));
            Assert.True(expected.SequenceEqual(tokenizer.Encode(prompt, addSpecialTokens: true)), $"case {c.GetProperty("name")}");
            checkedCases++;
        }
        Assert.Equal(8, checkedCases);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal([2], tokenizer.EosTokenIds);
        Assert.Equal(512, tokenizer.VocabSize);
        Assert.Null(tokenizer.ChatTemplate);
    }

    [Fact]
    public void Special_token_ids_come_from_tokenizer_config()
    {
        var llama3 = SharedTokenizers.Get("llama3");
        Assert.Equal(128000, llama3.BosTokenId);
        Assert.Equal([128001], llama3.EosTokenIds);
        Assert.Equal(128256, llama3.VocabSize);
        var qwen3 = SharedTokenizers.Get("qwen3");
        Assert.Null(qwen3.BosTokenId);
        Assert.Equal([151645], qwen3.EosTokenIds);
        Assert.Equal(151669, qwen3.VocabSize);
        Assert.NotNull(qwen3.ChatTemplate);
    }
}
