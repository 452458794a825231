using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

[Trait("Category", "Integration")]
public class CompletionsApiTests
{
    private static GoldenCase Case(string name) => GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(c => c.Name == name);

    internal static async Task<JsonNode> PostAsync(GatewayServer server, string path, object body)
    {
        var response = await server.Client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Reads an SSE response into its data payloads (the last is [DONE]).</summary>
    internal static async Task<List<string>> StreamAsync(GatewayServer server, string path, object body)
    {
        var response = await server.Client.PostAsJsonAsync(path, body);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        return events.Select(e => e["data: ".Length..]).ToList();
    }

    [Fact]
    public async Task Greedy_text_prompt_gives_the_reference_continuation_and_shape()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var c = Case("once_upon");
        var json = await PostAsync(server, "/v1/completions", new { model = "stories260k", prompt = c.Prompt, max_tokens = 32, temperature = 0, ignore_eos = true });
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        Assert.Equal("text_completion", (string?)json["object"]);
        Assert.StartsWith("cmpl-", (string?)json["id"]);
        Assert.Equal("stories260k", (string?)json["model"]);
        Assert.True((long)json["created"]! > 1_700_000_000);
        var choice = json["choices"]![0]!;
        Assert.Equal(tokenizer.Decode(c.GreedyIds, skipSpecialTokens: true), (string?)choice["text"]);
        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.Null(choice["logprobs"]);
        Assert.Equal(c.PromptIds.Length, (int)json["usage"]!["prompt_tokens"]!);
        Assert.Equal(32, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(c.PromptIds.Length + 32, (int)json["usage"]!["total_tokens"]!);
    }

    [Fact]
    public async Task Token_id_prompts_and_prompt_lists_give_one_choice_each()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var a = Case("park");
        var b = Case("dialogue");
        var json = await PostAsync(server, "/v1/completions", new { prompt = new[] { a.PromptIds, b.PromptIds }, max_tokens = 8, temperature = 0 });
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        Assert.Equal(2, json["choices"]!.AsArray().Count);
        Assert.Equal(tokenizer.Decode(a.GreedyIds.Take(8).ToArray(), true), (string?)json["choices"]![0]!["text"]);
        Assert.Equal(tokenizer.Decode(b.GreedyIds.Take(8).ToArray(), true), (string?)json["choices"]![1]!["text"]);
        Assert.Equal(1, (int)json["choices"]![1]!["index"]!);
    }

    [Fact]
    public async Task Stream_concatenates_to_the_full_text_and_ends_with_usage_and_done()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var body = new { prompt = "Once upon a time", max_tokens = 24, temperature = 0, stream = true, stream_options = new { include_usage = true } };
        var events = await StreamAsync(server, "/v1/completions", body);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        var usage = chunks[^1];
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal(24, (int)usage["usage"]!["completion_tokens"]!);
        var textChunks = chunks[..^1];
        Assert.All(textChunks, c => Assert.Null(c["usage"]));
        Assert.Single(textChunks, c => c["choices"]![0]!["finish_reason"] is not null);
        string streamed = string.Concat(textChunks.Select(c => (string?)c["choices"]![0]!["text"]));
        var whole = await PostAsync(server, "/v1/completions", new { prompt = "Once upon a time", max_tokens = 24, temperature = 0 });
        Assert.Equal((string?)whole["choices"]![0]!["text"], streamed);
        Assert.Single(textChunks.Select(c => (string?)c["id"]).Distinct());
    }

    [Fact]
    public async Task Stop_string_ends_the_choice_and_never_appears_in_the_output()
    {
        await using var server = await GatewayServer.StoriesAsync();
        // The reference continuation is ", there was a little girl named Lily...": stop inside it, across token boundaries.
        foreach (var stream in new[] { false, true })
        {
            string text;
            string? finish;
            var body = new { prompt = "Once upon a time", max_tokens = 32, temperature = 0, stop = new[] { "tle gi", "zzz" }, stream };
            if (stream)
            {
                var chunks = (await StreamAsync(server, "/v1/completions", body))[..^1].Select(e => JsonNode.Parse(e)!).ToList();
                text = string.Concat(chunks.Select(c => (string?)c["choices"]![0]!["text"]));
                finish = (string?)chunks[^1]["choices"]![0]!["finish_reason"];
            }
            else
            {
                var json = await PostAsync(server, "/v1/completions", body);
                text = (string)json["choices"]![0]!["text"]!;
                finish = (string?)json["choices"]![0]!["finish_reason"];
            }
            Assert.Equal(", there was a lit", text);
            Assert.Equal("stop", finish);
        }
    }

    [Fact]
    public async Task Logprobs_have_the_completions_shape()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var json = await PostAsync(server, "/v1/completions", new { prompt = "Once upon a time", max_tokens = 4, temperature = 0, logprobs = 3 });
        var lp = json["choices"]![0]!["logprobs"]!;
        Assert.Equal(4, lp["tokens"]!.AsArray().Count);
        Assert.Equal(4, lp["token_logprobs"]!.AsArray().Count);
        Assert.All(lp["token_logprobs"]!.AsArray(), x => Assert.InRange((double)x!, -50, 0));
        Assert.All(lp["top_logprobs"]!.AsArray(), x => Assert.Equal(3, x!.AsObject().Count));
        Assert.Equal(0, (int)lp["text_offset"]![0]!);
        // Greedy: the chosen token is the most likely one.
        var firstTop = lp["top_logprobs"]![0]!.AsObject().Max(p => (double)p.Value!);
        Assert.Equal(firstTop, (double)lp["token_logprobs"]![0]!, 4);
    }

    [Fact]
    public async Task Seeded_sampling_with_n_is_repeatable_and_choices_differ()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var body = new { prompt = "Once upon a time", max_tokens = 16, temperature = 1.0, seed = 1234, n = 3 };
        var first = await PostAsync(server, "/v1/completions", body);
        var second = await PostAsync(server, "/v1/completions", body);
        var a = first["choices"]!.AsArray().Select(c => (string?)c!["text"]).ToList();
        var b = second["choices"]!.AsArray().Select(c => (string?)c!["text"]).ToList();
        Assert.Equal(3, a.Count);
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 1, "three seeded samples were all identical");
        Assert.Equal(48, (int)first["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Min_tokens_and_ignore_eos_force_the_exact_length()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var json = await PostAsync(server, "/v1/completions", new { prompt = "The end.", max_tokens = 200, min_tokens = 200, ignore_eos = true, temperature = 0.8, seed = 3 });
        Assert.Equal(200, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal("length", (string?)json["choices"]![0]!["finish_reason"]);
    }
}
