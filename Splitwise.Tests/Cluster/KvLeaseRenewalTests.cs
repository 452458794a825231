using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.Routing;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Cluster;

/// <summary>
/// KV leases on a manual clock, with real stories260k machines: the gateway renews a reservation while its prefill
/// waits (longer than the lease), and stops when the requester is gone, so the lease still frees the blocks.
/// </summary>
[Trait("Category", "Integration")]
public sealed class KvLeaseRenewalTests : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);
    private readonly ManualTimeProvider _clock = new();
    private readonly LlamaWeights _weights = ModelLoader.Load(SharedData.Stories260K);
    private readonly EmbeddedCluster _cluster;
    private readonly GoldenCase _golden = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).First();

    public KvLeaseRenewalTests()
    {
        _cluster = new EmbeddedCluster(_weights, EmbeddedSpec.Parse("prompt=1,token=1"), new EngineOptions(), new KvTransferOptions { Lease = Lease },
            threadsPerMachine: 1, time: _clock);
    }

    private TokenMachine Token => _cluster.Machines.OfType<TokenMachine>().Single();
    private PromptMachine Prompt => _cluster.Machines.OfType<PromptMachine>().Single();
    private SamplingParams Greedy => new() { Temperature = 0, MaxTokens = _golden.GreedyIds.Length, IgnoreEos = true };

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_prefill_that_waits_twice_the_lease_keeps_its_reservation_and_decodes_the_golden_ids()
    {
        var prompt = new GatedPromptMachine(Prompt);
        var token = new RenewCountingTokenMachine(Token);
        var directory = new MachineDirectory();
        directory.Add(prompt, embedded: true, await prompt.GetLoadAsync(default));
        directory.Add(token, embedded: true, await token.GetLoadAsync(default));
        var scheduler = new ClusterScheduler(new JoinShortestQueue());
        scheduler.Refresh(directory.Snapshot());
        var metrics = new ServingMetrics();
        var runner = new ClusterRunner(directory, scheduler, metrics, NullLogger<ClusterRunner>.Instance, time: _clock);

        var run = CollectAsync(runner.RunAsync(_golden.PromptIds, Greedy, CancellationToken.None));
        await prompt.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        // The prompt sits in the prompt machine's queue for two whole leases; each third of a lease the gateway renews.
        for (int i = 1; i <= 6; i++)
        {
            _clock.Advance(Lease / 3);
            await UntilAsync(() => token.Renewed >= i, $"renewal {i}");
        }
        Assert.Equal(0, token.Refused);
        Assert.True((await Token.GetLoadAsync(default)).BlocksUsed > 0, "the reservation's blocks were freed while its prefill waited");

        prompt.Open();
        var ids = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(_golden.GreedyIds, ids);
        Assert.Equal(0, metrics.RetryCount("kv_transfer"));
        Assert.Equal(0, metrics.RetryCount("machine_failure"));
        var received = Token.Receiver.Stats;
        Assert.Equal(1, received.Transfers);
        Assert.Equal(0, received.TransfersFailed);
        // Renewals stop with the prefill: no more arrive however far the clock moves.
        int renewed = token.Renewed;
        _clock.Advance(Lease * 2);
        await Task.Delay(50);
        Assert.Equal(renewed, token.Renewed + token.Refused);
    }

    [Fact]
    public async Task A_reservation_whose_requester_is_gone_still_expires_and_a_late_renewal_does_not_revive_it()
    {
        var grant = await Token.ReserveAsync(new KvReservation(41, _golden.PromptIds, Greedy), default);
        Assert.True(grant.Accepted, grant.Reason);
        Assert.Equal(Lease, grant.Lease);
        var keepAlive = KvLeaseKeepAlive.Start(Token, 41, grant.Lease, _clock, NullLogger.Instance, CancellationToken.None);
        for (int i = 1; i <= 6; i++)
        {
            _clock.Advance(keepAlive.Period);
            await UntilAsync(() => keepAlive.Renewals >= i, $"renewal {i}");
        }
        Assert.True((await Token.GetLoadAsync(default)).BlocksUsed > 0);

        // The requester goes away without releasing (its gateway died): nothing renews, and the lease runs out.
        await keepAlive.DisposeAsync();
        _clock.Advance(Lease + keepAlive.Period);
        await UntilAsync(() => Token.Loop.Load.BlocksUsed == 0, "the expired reservation's blocks to be freed");
        Assert.Equal(1, Token.Receiver.Stats.TransfersFailed);

        // A renewal that comes late (a delayed call from the old requester) is refused and holds nothing again.
        Assert.False(await Token.RenewAsync(41, default));
        await using var late = KvLeaseKeepAlive.Start(Token, 41, grant.Lease, _clock, NullLogger.Instance, CancellationToken.None);
        _clock.Advance(late.Period);
        await UntilAsync(() => late.Lost, "the late keep-alive to be told the reservation is gone");
        Assert.Equal(0, late.Renewals);
        Assert.Equal(0, Token.Loop.Load.BlocksUsed);
        await Assert.ThrowsAsync<KvTransferException>(async () =>
        {
            await foreach (var _ in Token.DecodeAsync(new DecodeOrder(41, new SampledToken(_golden.GreedyIds[0], 0, null)), default)) { }
        });
    }

    private static async Task<int[]> CollectAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        var ids = new List<int>();
        await foreach (var ev in events)
            if (ev.Token is { } t) ids.Add(t.Id);
        return ids.ToArray();
    }

    public void Dispose()
    {
        _cluster.Dispose();
        _weights.Dispose();
    }
}
