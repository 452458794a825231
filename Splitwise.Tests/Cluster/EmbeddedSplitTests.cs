using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.Routing;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Cluster;

/// <summary>
/// The phase split inside one process: real prompt and token machines over the in-memory KV transport, driven by the
/// gateway's cluster runner. Greedy output must be exactly the unsplit engine's, token for token.
/// </summary>
[Trait("Category", "Integration")]
public class EmbeddedSplitTests
{
    private static IReadOnlyList<GoldenCase> Cases => GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json"));

    private sealed class Split : IDisposable
    {
        public required Splitwise.Engine.Model.LlamaWeights Weights { get; init; }
        public required EmbeddedCluster Cluster { get; init; }
        public required ClusterRunner Runner { get; init; }
        public required ServingMetrics Metrics { get; init; }

        public void Dispose()
        {
            Cluster.Dispose();
            Weights.Dispose();
        }
    }

    private static Split Build(string spec, KvTransferOptions? transfer = null, Action<FaultyKvTransport>? faults = null)
    {
        var weights = ModelLoader.Load(SharedData.Stories260K);
        var cluster = new EmbeddedCluster(weights, EmbeddedSpec.Parse(spec), new EngineOptions(), transfer ?? new KvTransferOptions(), threadsPerMachine: 1,
            wrapTransport: faults is null ? null : inner =>
            {
                var faulty = new FaultyKvTransport(inner);
                faults(faulty);
                return faulty;
            });
        var directory = new MachineDirectory();
        foreach (var m in cluster.Machines) directory.Add(m, embedded: true, m.Loop.Load);
        var scheduler = new ClusterScheduler(new JoinShortestQueue());
        scheduler.Refresh(directory.Snapshot());
        var metrics = new ServingMetrics();
        return new Split { Weights = weights, Cluster = cluster, Metrics = metrics, Runner = new ClusterRunner(directory, scheduler, metrics, NullLogger<ClusterRunner>.Instance) };
    }

    private static async Task<int[]> GenerateAsync(ClusterRunner runner, int[] prompt, int maxTokens)
    {
        var ids = new List<int>();
        await foreach (var ev in runner.RunAsync(prompt, new SamplingParams { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true }, CancellationToken.None))
        {
            Assert.Equal(ids.Count, ev.Index);
            if (ev.Token is { } t) ids.Add(t.Id);
        }
        return ids.ToArray();
    }

    [Theory]
    [InlineData(512)] // stories260k prompts are short: all KV goes in one send after prefill
    [InlineData(1)]   // every prompt streams layer by layer during prefill
    public async Task Split_greedy_output_equals_the_golden_ids_for_every_prompt(int layerwiseMinTokens)
    {
        using var split = Build("prompt=1,token=1", new KvTransferOptions { LayerwiseMinTokens = layerwiseMinTokens });
        var cases = Cases;
        var outputs = await Task.WhenAll(cases.Select(c => GenerateAsync(split.Runner, c.PromptIds, c.GreedyIds.Length)));
        for (int i = 0; i < cases.Count; i++) Assert.True(cases[i].GreedyIds.SequenceEqual(outputs[i]), $"{cases[i].Name}: got [{string.Join(",", outputs[i])}]");

        Assert.Equal(cases.Count, split.Metrics.SplitRequests);
        var token = split.Cluster.Machines.OfType<TokenMachine>().Single();
        var prompt = split.Cluster.Machines.OfType<PromptMachine>().Single();
        var received = (await token.GetLoadAsync(default)).Transfer;
        var sent = (await prompt.GetLoadAsync(default)).Transfer;
        Assert.Equal(cases.Count, received.Transfers);
        Assert.True(received.BytesReceived > 0 && sent.BytesSent >= received.BytesReceived, $"sent {sent.BytesSent}, received {received.BytesReceived}");
        Assert.Equal(0, received.FramesRejected);
        await WaitForAsync(() => split.Cluster.Machines.All(m => m.Loop.Load.BlocksUsed == 0));
    }

    [Fact]
    public async Task A_request_with_min_tokens_above_one_is_split_and_gets_exactly_its_tokens()
    {
        // Load testers force output lengths with min_tokens = max_tokens; the prompt machine's one-token prefill must accept that.
        using var split = Build("prompt=1,token=1");
        var c = Cases[0];
        int n = c.GreedyIds.Length;
        var ids = new List<int>();
        await foreach (var ev in split.Runner.RunAsync(c.PromptIds, new SamplingParams { Temperature = 0, MaxTokens = n, MinTokens = n }, CancellationToken.None))
            if (ev.Token is { } t) ids.Add(t.Id);
        Assert.Equal(n, ids.Count);
        Assert.Equal(1, split.Metrics.SplitRequests);
    }

    [Theory]
    [InlineData(KvFault.CorruptPayload)]
    [InlineData(KvFault.Truncate)]
    public async Task A_damaged_frame_is_rejected_and_only_its_request_is_recomputed_correctly(KvFault fault)
    {
        FaultyKvTransport faults = null!;
        using var split = Build("prompt=1,token=1", new KvTransferOptions { LayerwiseMinTokens = 1 }, f =>
        {
            faults = f;
            f.InjectIntoRequestNumber(2, layerFrameIndex: 1, fault);
        });
        var cases = Cases;
        var outputs = await Task.WhenAll(cases.Select(c => GenerateAsync(split.Runner, c.PromptIds, c.GreedyIds.Length)));
        for (int i = 0; i < cases.Count; i++) Assert.True(cases[i].GreedyIds.SequenceEqual(outputs[i]), $"{cases[i].Name}: got [{string.Join(",", outputs[i])}]");

        Assert.Equal(1, faults.FaultsApplied);
        Assert.Equal(1, split.Metrics.RetryCount("kv_transfer")); // the hit request, and no other
        var received = (await split.Cluster.Machines.OfType<TokenMachine>().Single().GetLoadAsync(default)).Transfer;
        Assert.True(received.FramesRejected >= 1, "the damaged frame was not rejected");
        Assert.Equal(1, received.TransfersFailed);
        Assert.Equal(cases.Count - 1, received.Transfers);
        await WaitForAsync(() => split.Cluster.Machines.All(m => m.Loop.Load.BlocksUsed == 0));
    }

    [Fact]
    public async Task Through_the_gateway_the_split_answers_like_the_unsplit_server()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { Embedded = EmbeddedSpec.Parse("prompt=1,token=1") });
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        foreach (var c in Cases.Take(3))
        {
            var response = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = c.PromptIds, max_tokens = c.GreedyIds.Length, temperature = 0, ignore_eos = true });
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(tokenizer.Decode(c.GreedyIds, true), (string?)json["choices"]![0]!["text"]);
            Assert.Equal(c.GreedyIds.Length, (int)json["usage"]!["completion_tokens"]!);
        }
        Assert.Equal(3, server.Metrics.SplitRequests);
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("splitwise_kv_transfer_received_bytes_total{machine=\"token-0\",role=\"token\",pool=\"token\"}", metrics);
        Assert.Contains("splitwise_hop_prefill_seconds_count 3", metrics);
    }

    [Fact]
    public async Task Without_embedded_flag_the_gateway_runs_one_mixed_machine()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var member = Assert.Single(server.Host.Directory.Members);
        Assert.Equal(MachineRole.Mixed, member.Machine.Role);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(condition(), "condition not reached in 10 s");
    }
}
