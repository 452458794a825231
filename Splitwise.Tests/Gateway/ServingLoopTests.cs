using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

/// <summary>Continuous batching through the HTTP front door: concurrency changes nothing in greedy output, and a client that leaves gives its blocks back.</summary>
[Trait("Category", "Integration")]
public class ServingLoopTests
{
    [Fact]
    public async Task Sixteen_concurrent_greedy_requests_return_what_each_returns_alone()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { MaxBatchedTokens = 64 });
        var cases = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json"));
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        var requests = Enumerable.Range(0, 16).Select(i => cases[i % cases.Count]).ToList();
        var tasks = requests.Select(async c =>
        {
            var response = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = c.PromptIds, max_tokens = 32, temperature = 0, ignore_eos = true });
            return (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["text"];
        }).ToList();
        var texts = await Task.WhenAll(tasks);
        for (int i = 0; i < requests.Count; i++)
            Assert.True(tokenizer.Decode(requests[i].GreedyIds, true) == texts[i], $"request {i} ({requests[i].Name}) differs when batched: {texts[i]}");
        Assert.True(server.Host.Load.Steps < 16 * 33, "requests were not batched together");
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_frees_every_kv_block()
    {
        await using var server = await GatewayServer.StoriesAsync();
        // stories260k decodes 400 tokens in well under a second, so on a loaded machine the request can finish before
        // the client reads its first bytes: try again until the client is caught mid-stream (bounded).
        CancellationTokenSource cts = null!;
        HttpResponseMessage response = null!;
        bool caught = false;
        for (int attempt = 0; attempt < 5 && !caught; attempt++)
        {
            cts = new CancellationTokenSource();
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = JsonContent.Create(new { prompt = "Once upon a time", max_tokens = 400, min_tokens = 400, ignore_eos = true, stream = true }),
            };
            response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            Assert.True(await stream.ReadAsync(new byte[256], cts.Token) > 0);
            caught = server.Host.Load.BlocksUsed > 0;
            if (!caught)
            {
                response.Dispose();
                cts.Dispose();
            }
        }
        Assert.True(caught, "every request finished before the client could leave it");
        cts.Cancel();
        response.Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        // Blocks are freed at the machine's next step; the gateway's side of the request unwinds on its own thread.
        while ((server.Host.Load.BlocksUsed > 0 || server.Host.Runner.InFlight > 0) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(0, server.Host.Load.BlocksUsed);
        Assert.Equal(0, server.Host.Runner.InFlight);
        cts.Dispose();
    }

    [Fact]
    public async Task A_repeated_long_prompt_is_served_from_the_prefix_cache_with_the_same_output()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var c = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(x => x.Name == "long");
        string? first = null;
        for (int i = 0; i < 2; i++)
        {
            var response = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = c.PromptIds, max_tokens = 32, temperature = 0, ignore_eos = true });
            var text = (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["text"];
            first ??= text;
            Assert.Equal(first, text);
        }
        // The second request found every full block of the 191-token prompt but the last partial one.
        Assert.True(server.Host.Load.PrefixHitRate > 0.4, $"hit rate {server.Host.Load.PrefixHitRate}");
        Assert.Contains("splitwise_prefix_cache_hit_rate 0.4", await server.Client.GetStringAsync("/metrics"));
    }
}
