using System.Text.Json.Nodes;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Prompts;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.LoadTest;

public class SseAndPromptTests
{
    [Fact]
    public void Completion_chunks_carry_tokens_and_usage()
    {
        var c = SseChunkParser.Parse("{\"choices\":[{\"index\":0,\"text\":\" hi\",\"finish_reason\":null}]}", chat: false);
        Assert.True(c.CarriesToken);
        var empty = SseChunkParser.Parse("{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":null}]}", chat: false);
        Assert.True(empty.CarriesToken);
        var final = SseChunkParser.Parse("{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}]}", chat: false);
        Assert.False(final.CarriesToken);
        var usage = SseChunkParser.Parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46}}", chat: false);
        Assert.Equal((12, 34), (usage.PromptTokens!.Value, usage.CompletionTokens!.Value));
        Assert.False(usage.CarriesToken);
        Assert.True(SseChunkParser.Parse("[DONE]", false).IsDone);
    }

    [Fact]
    public void Chat_chunks_count_only_non_empty_content()
    {
        Assert.False(SseChunkParser.Parse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}", chat: true).CarriesToken);
        Assert.True(SseChunkParser.Parse("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}", chat: true).CarriesToken);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    public void Malformed_data_is_a_format_error(string payload)
    {
        Assert.Throws<FormatException>(() => SseChunkParser.Parse(payload, false));
    }

    [Fact]
    public void Error_events_are_reported()
    {
        Assert.Equal("overloaded", SseChunkParser.Parse("{\"error\":{\"message\":\"overloaded\"}}", false).ServerError);
    }

    [Fact]
    public void Token_id_prompts_have_exactly_the_requested_length_and_range()
    {
        var ids = (JsonArray)new TokenIdPromptSource(10, 20).Build(777, new Random(1));
        Assert.Equal(777, ids.Count);
        Assert.All(ids, n => Assert.InRange(n!.GetValue<int>(), 10, 19));
    }

    [Theory]
    [InlineData("llama2-32k", false, 1)]
    [InlineData("spm-bpe-32k", false, 1)]
    [InlineData("qwen3", true, 0)]
    [InlineData("llama3", true, 0)]
    public void Tokenizer_files_pick_single_token_words(string name, bool byteLevel, int added)
    {
        var tok = HfTokenizerFile.Load(SharedData.Path("tokenizers", name, "tokenizer.json"));
        Assert.Equal(byteLevel, tok.IsByteLevel);
        Assert.Equal(added, tok.AddedTokens);
        Assert.True(tok.EncodesAsSingleToken("the"));
        Assert.False(tok.EncodesAsSingleToken("qzxqv"));
        Assert.True(CommonWords.All.Count(tok.EncodesAsSingleToken) > 150);
    }

    [Fact]
    public void Exact_text_prompts_subtract_the_tokens_the_tokenizer_adds()
    {
        var tok = HfTokenizerFile.Load(SharedData.Path("tokenizers", "llama2-32k", "tokenizer.json"));
        var source = new TextPromptSource(CommonWords.All.Where(tok.EncodesAsSingleToken).ToList(), tok.AddedTokens, tok.IsByteLevel, true, "llama2-32k");
        // 50 tokens = BOS + 49 single-token words, no leading space (the normalizer prepends '▁').
        string text = source.BuildText(50, new Random(2));
        Assert.Equal(49, text.Split(' ').Length);
        Assert.False(text.StartsWith(' '));
        Assert.True(source.IsExact);
        var qwen = HfTokenizerFile.Load(SharedData.Path("tokenizers", "qwen3", "tokenizer.json"));
        var q = new TextPromptSource(CommonWords.All.Where(qwen.EncodesAsSingleToken).ToList(), qwen.AddedTokens, qwen.IsByteLevel, true, "qwen3");
        // Byte-level: every word carries its own leading space ('Ġ'), no BOS.
        string qt = q.BuildText(50, new Random(2));
        Assert.StartsWith(" ", qt);
        Assert.Equal(50, qt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
