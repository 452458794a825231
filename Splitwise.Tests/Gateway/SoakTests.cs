using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

/// <summary>
/// 300 requests with random parameters, 5% malformed, 8 at a time, bounded at 3 minutes: no 5xx, no hang,
/// no leaked KV block, and /metrics agrees with what the clients saw.
/// </summary>
[Trait("Category", "Integration")]
public class SoakTests
{
    [Fact]
    public async Task Three_hundred_random_requests_leave_nothing_behind()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { MaxBatchedTokens = 96 });
        var random = new Random(20261121);
        var plans = Enumerable.Range(0, 300).Select(i => Plan(random, malformed: i % 20 == 7)).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var results = new ConcurrentBag<(bool Malformed, HttpStatusCode Status, int Prompt, int Completion, string Body)>();
        var queue = new ConcurrentQueue<(bool Malformed, bool Stream, string Body)>(plans);

        var workers = Enumerable.Range(0, 8).Select(async _ =>
        {
            while (queue.TryDequeue(out var plan))
            {
                var response = await server.Client.PostAsync("/v1/completions", new StringContent(plan.Body, Encoding.UTF8, "application/json"), timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                var (prompt, completion) = response.IsSuccessStatusCode ? Usage(body, plan.Stream) : (0, 0);
                results.Add((plan.Malformed, response.StatusCode, prompt, completion, body));
            }
        });
        await Task.WhenAll(workers);

        Assert.Equal(300, results.Count);
        Assert.All(results, r => Assert.True((int)r.Status < 500, $"{(int)r.Status}: {r.Body}"));
        Assert.All(results.Where(r => r.Malformed), r => Assert.Equal(HttpStatusCode.BadRequest, r.Status));
        Assert.All(results.Where(r => !r.Malformed), r => Assert.True(r.Status == HttpStatusCode.OK, $"{(int)r.Status}: {r.Body}"));
        Assert.Equal(0, server.Host.Load.BlocksUsed);
        Assert.Equal(0, server.Host.Runner.InFlight);

        var metrics = server.Metrics;
        Assert.Equal(results.Count(r => !r.Malformed), metrics.RequestCount("success"));
        Assert.Equal(results.Count(r => r.Malformed), metrics.RequestCount("error_400"));
        Assert.Equal(results.Sum(r => r.Prompt), metrics.PromptTokens);
        Assert.Equal(results.Sum(r => r.Completion), metrics.GenerationTokens);
    }

    private static (bool, bool, string) Plan(Random r, bool malformed)
    {
        bool stream = r.Next(2) == 0;
        if (malformed)
        {
            string[] bad = ["{\"prompt\": \"x\", \"temperature\": \"warm\"}", "{\"prompt\": ", "{\"prompt\":\"x\",\"max_tokens\":-4}", "{\"prompt\":[1,\"two\"]}", "{\"n\":1}"];
            return (true, stream, bad[r.Next(bad.Length)]);
        }
        var body = new JsonObject
        {
            ["prompt"] = r.Next(3) == 0 ? new JsonArray(Enumerable.Range(0, r.Next(1, 60)).Select(_ => (JsonNode)r.Next(3, 512)).ToArray())
                                        : (JsonNode)string.Join(' ', Enumerable.Range(0, r.Next(1, 30)).Select(_ => Words[r.Next(Words.Length)])),
            ["max_tokens"] = r.Next(1, 48),
            ["temperature"] = Math.Round(r.NextDouble() * 1.5, 2),
            ["stream"] = stream,
        };
        if (r.Next(3) == 0) body["top_p"] = Math.Round(0.5 + r.NextDouble() / 2, 2);
        if (r.Next(3) == 0) body["top_k"] = r.Next(1, 50);
        if (r.Next(4) == 0) body["seed"] = r.Next();
        if (r.Next(4) == 0) body["stop"] = new JsonArray(Words[r.Next(Words.Length)]);
        if (r.Next(5) == 0) body["n"] = 2;
        if (r.Next(5) == 0) body["presence_penalty"] = 0.5;
        if (r.Next(5) == 0) body["logprobs"] = 2;
        if (stream) body["stream_options"] = new JsonObject { ["include_usage"] = true };
        return (false, stream, body.ToJsonString());
    }

    private static readonly string[] Words = ["Once", "upon", "a", "time", "the", "little", "dog", "ran", "to", "park", "and", "she", "said", "hello", "."];

    private static (int Prompt, int Completion) Usage(string body, bool stream)
    {
        var json = stream
            ? JsonNode.Parse(body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).Where(e => e != "[DONE]").Last())!
            : JsonNode.Parse(body)!;
        var usage = json["usage"]!;
        return ((int)usage["prompt_tokens"]!, (int)usage["completion_tokens"]!);
    }
}
