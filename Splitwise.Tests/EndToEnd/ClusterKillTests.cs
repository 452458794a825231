using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Sampling;
using Splitwise.Silo.Machines;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.EndToEnd;

/// <summary>
/// kill -9 of the token process while eight greedy streams decode on it: each stream resumes on the prompt process
/// (borrowed into the mixed pool, re-prefilling prompt plus output so far) and ends with exactly the unsplit output.
/// </summary>
[Trait("Category", "E2E")]
[Collection(nameof(ProcessClusterCollection))]
public class ClusterKillTests
{
    private const int MaxTokens = 300; // the longest golden prompt (191) plus this stays inside the 512-token context

    /// <summary>One client stream as it arrived: token ids in order, finishes, usage chunks.</summary>
    private sealed class StreamRecord
    {
        public List<int> Ids { get; } = [];
        public List<string> Finishes { get; } = [];
        public List<JsonNode> Usages { get; } = [];
        public bool Done { get; set; }
        public volatile int Count;
    }

    private static int[][] UnsplitReference(IReadOnlyList<int[]> prompts)
    {
        using var weights = ModelLoader.Load(ProcessCluster.SiloModel);
        using var engine = new LlmEngine(weights, new EngineOptions());
        // All at once, as one batch: batching changes no greedy output (ServingLoopTests), and it is eight times fewer steps.
        var sequences = prompts.Select(p => engine.AddRequest(p, new SamplingParams { Temperature = 0, MaxTokens = MaxTokens, IgnoreEos = true })).ToList();
        while (sequences.Any(s => !s.IsFinished)) engine.Step();
        return sequences.Select(s => s.Output.ToArray()).ToArray();
    }

    private static async Task ReadStreamAsync(HttpClient client, int[] prompt, StreamRecord record)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new
            {
                prompt, max_tokens = MaxTokens, temperature = 0, ignore_eos = true, logprobs = 0, stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                record.Done = true;
                break;
            }
            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error) throw new InvalidOperationException($"stream error: {error.ToJsonString()}");
            if (chunk["usage"] is JsonObject usage) record.Usages.Add(usage);
            foreach (var choice in chunk["choices"]!.AsArray())
            {
                if (choice!["logprobs"] is JsonObject) record.Ids.AddRange(TokenIds.FromLogprobs(choice));
                if ((string?)choice["finish_reason"] is { } finish) record.Finishes.Add(finish);
            }
            record.Count = record.Ids.Count;
        }
    }

    [Fact]
    public async Task Killing_the_token_process_mid_stream_changes_no_stream()
    {
        var prompts = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Select(c => c.PromptIds).ToArray();
        Assert.Equal(8, prompts.Length);
        using var cluster = await ProcessCluster.StartAsync(1000, MachineRole.Prompt, MachineRole.Token);
        var reference = UnsplitReference(prompts);

        var records = prompts.Select(_ => new StreamRecord()).ToArray();
        var streams = prompts.Select((p, i) => ReadStreamAsync(cluster.Client, p, records[i])).ToArray();

        // Kill once every stream is decoding on the token process and none is near its end.
        var deadline = Stopwatch.StartNew();
        while (records.Any(r => r.Count < 4))
        {
            if (streams.FirstOrDefault(s => s.IsFaulted) is { } failed) await failed;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"streams did not start: {string.Join(",", records.Select(r => r.Count))}\n{cluster.AllTails()}");
            await Task.Delay(5);
        }
        cluster.Silos["token-0"].Kill();
        var atKill = records.Select(r => r.Count).ToArray();
        Assert.True(atKill.All(n => n < MaxTokens), $"a stream had finished before the token process died: {string.Join(",", atKill)}");

        var all = Task.WhenAll(streams);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) != all)
            Assert.Fail($"streams did not finish after the kill: {string.Join(",", records.Select(r => r.Count))}\n{cluster.AllTails()}");
        await all;

        for (int i = 0; i < prompts.Length; i++)
        {
            var r = records[i];
            Assert.True(reference[i].SequenceEqual(r.Ids),
                $"stream {i} (killed at {atKill[i]} tokens): expected {string.Join(",", reference[i])}\n got {string.Join(",", r.Ids)}");
            Assert.True(r.Done, $"stream {i} never sent [DONE]");
            Assert.Equal(["length"], r.Finishes);
            var usage = Assert.Single(r.Usages);
            Assert.Equal(MaxTokens, (int)usage["completion_tokens"]!);
            Assert.Equal(prompts[i].Length, (int)usage["prompt_tokens"]!);
        }

        // Each stream lost its token machine once and resumed (on the prompt process, the only machine left).
        var metrics = await cluster.Client.GetStringAsync("/metrics");
        Assert.Contains($"splitwise_request_retries_total{{reason=\"machine_failure\"}} {prompts.Length}\n", metrics);
        // The dead machine leaves the directory after three missed heartbeats.
        var ready = await cluster.WaitForReadyAsync(r => ProcessCluster.Count(r, MachineRole.Token) == 0, "the killed token process to leave", 10);
        Assert.Equal(1, ProcessCluster.Count(ready, MachineRole.Prompt));
        Assert.Equal("ready", (string?)ready["status"]);
    }

    [Fact]
    public async Task Killing_the_prompt_process_changes_no_stream_and_later_requests_run_on_the_token_process()
    {
        var prompts = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Select(c => c.PromptIds).ToArray();
        using var cluster = await ProcessCluster.StartAsync(1000, MachineRole.Prompt, MachineRole.Token);
        var reference = UnsplitReference(prompts);

        // Kill the prompt process as the requests arrive: some are prefilling on it, some wait to be sent to it.
        var records = prompts.Select(_ => new StreamRecord()).ToArray();
        var streams = prompts.Select((p, i) => ReadStreamAsync(cluster.Client, p, records[i])).ToArray();
        cluster.Silos["prompt-0"].Kill();
        var all = Task.WhenAll(streams);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) != all)
            Assert.Fail($"streams did not finish after the kill: {string.Join(",", records.Select(r => r.Count))}\n{cluster.AllTails()}");
        await all;

        // Requests sent to the dead prompt process failed over (the directory still listed it for three heartbeats).
        var metrics = await cluster.Client.GetStringAsync("/metrics");
        var retried = metrics.Split('\n').Single(l => l.StartsWith("splitwise_request_retries_total{reason=\"machine_failure\"}", StringComparison.Ordinal));
        Assert.True(long.Parse(retried.Split(' ')[1]) >= 1, retried);

        // And requests that arrive after it died, before and after it leaves the directory.
        var later = prompts.Take(4).Select(_ => new StreamRecord()).ToArray();
        await Task.WhenAll(later.Select((r, i) => ReadStreamAsync(cluster.Client, prompts[i], r)));
        var ready = await cluster.WaitForReadyAsync(r => ProcessCluster.Count(r, MachineRole.Prompt) == 0, "the killed prompt process to leave", 10);
        Assert.Equal(1, ProcessCluster.Count(ready, MachineRole.Token));
        var last = new StreamRecord();
        await ReadStreamAsync(cluster.Client, prompts[7], last);

        foreach (var (r, i) in records.Select((r, i) => (r, i)).Concat(later.Select((r, i) => (r, i))).Append((last, 7)))
        {
            Assert.True(reference[i].SequenceEqual(r.Ids), $"prompt {i}: expected {string.Join(",", reference[i])}\n got {string.Join(",", r.Ids)}");
            Assert.True(r.Done, $"prompt {i}: no [DONE]");
            Assert.Equal(["length"], r.Finishes);
            Assert.Equal(MaxTokens, (int)Assert.Single(r.Usages)["completion_tokens"]!);
        }
    }
}
