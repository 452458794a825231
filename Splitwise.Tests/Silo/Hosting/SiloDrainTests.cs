using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo.Hosting;

/// <summary>
/// A silo stopped gracefully (what SIGTERM does: the host's StopAsync) next to an in-process --cluster gateway: it
/// leaves the directory at once, refuses new work, lets the work already on it finish, and only then stops.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SiloDrainTests
{
    private const string Secret = "drain-secret";
    // Heartbeats every 5 s: the gateway would only drop a silent silo after 15 s.
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 16, IgnoreEos = true };
    private static readonly int[] Prompt = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).First().PromptIds;

    private sealed class Silo(HostedMachine hosted, WebApplication app) : IAsyncDisposable
    {
        public HostedMachine Hosted { get; } = hosted;
        public WebApplication App { get; } = app;
        public RegistrationHost Registration => App.Services.GetRequiredService<RegistrationHost>();
        public DrainGate Gate => App.Services.GetRequiredService<DrainGate>();

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            Hosted.Dispose();
        }
    }

    private static async Task<Silo> StartSiloAsync(Uri gateway, string id, TimeSpan drainTimeout)
    {
        var options = new SiloOptions
        {
            Role = MachineRole.Token, Model = SharedData.Stories260K, ClusterSecret = Secret, Gateway = gateway, Id = id, Threads = 1,
            KvCacheBytes = 64L << 20, HeartbeatInterval = Heartbeat, DrainTimeout = drainTimeout,
        };
        var hosted = HostedMachine.Start(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSplitwiseSilo(options, hosted);
        var app = builder.Build();
        app.MapSplitwiseSilo();
        await app.StartAsync();
        return new Silo(hosted, app);
    }

    private static async Task UntilAsync(Func<bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {seconds} s waiting for {what}");
            await Task.Delay(10);
        }
    }

    private static Task<GatewayServer> GatewayAsync()
        => GatewayServer.StoriesAsync(o => o with { Cluster = true, ClusterSecret = Secret, HeartbeatInterval = Heartbeat });

    private static async Task<RemoteMachine> JoinedAsync(GatewayServer gateway, string id)
    {
        IMachine machine = null!;
        await UntilAsync(() => gateway.Host.Directory.TryGet(new MachineId(id), out machine), $"{id} to register");
        return (RemoteMachine)machine;
    }

    [Fact]
    public async Task A_stopping_silo_deregisters_at_once_refuses_new_work_and_stops_only_when_its_reservation_is_done()
    {
        await using var gateway = await GatewayAsync();
        await using var silo = await StartSiloAsync(gateway.BaseAddress, "token-drain", TimeSpan.FromSeconds(60));
        var remote = await JoinedAsync(gateway, "token-drain");
        // Work in flight on the silo: a KV reservation whose prefill is still to come.
        Assert.True((await remote.ReserveAsync(new KvReservation(1, Prompt, Greedy), default)).Accepted);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopping = silo.App.StopAsync();
        await UntilAsync(() => !gateway.Host.Directory.TryGet(new MachineId("token-drain"), out _), "the silo to leave the directory", seconds: 10);
        Assert.True(clock.Elapsed < Heartbeat * 3, $"left after {clock.Elapsed.TotalSeconds:0.0} s, no sooner than the heartbeat timeout");
        Assert.False(stopping.IsCompleted, "the silo stopped with a reservation still on it");

        // The silo deregisters first (so calls routed just before still run here), then closes to new work: from then on
        // new work is refused (the gateway would retry it elsewhere) and work already here carries on.
        await UntilAsync(() => silo.Gate.IsClosed, "the silo to stop taking new work", seconds: 10);
        var refused = await Assert.ThrowsAsync<IOException>(() => remote.ReserveAsync(new KvReservation(2, Prompt, Greedy), default));
        Assert.Contains("shutting_down", refused.Message);
        var refusedGenerate = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in remote.GenerateAsync(new GenerateOrder(3, Prompt, [], Greedy), default)) { }
        });
        Assert.Contains("shutting_down", refusedGenerate.Message);
        Assert.True(await remote.RenewAsync(1, default));
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted);

        await remote.ReleaseAsync(1, default);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(silo.Registration.Drained);
        Assert.False(gateway.Host.Directory.TryGet(new MachineId("token-drain"), out _));
    }

    [Fact]
    public async Task Work_that_outlasts_the_drain_timeout_does_not_keep_the_silo_from_stopping()
    {
        await using var gateway = await GatewayAsync();
        await using var silo = await StartSiloAsync(gateway.BaseAddress, "token-stuck", TimeSpan.FromSeconds(1));
        var remote = await JoinedAsync(gateway, "token-stuck");
        Assert.True((await remote.ReserveAsync(new KvReservation(1, Prompt, Greedy), default)).Accepted);

        await silo.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(silo.Registration.Drained);
        Assert.False(gateway.Host.Directory.TryGet(new MachineId("token-stuck"), out _));
    }
}
