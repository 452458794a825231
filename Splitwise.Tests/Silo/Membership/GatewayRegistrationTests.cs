using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo.Membership;

/// <summary>A silo's registration loop against a fake gateway on loopback.</summary>
[Trait("Category", "Integration")]
public class GatewayRegistrationTests
{
    private const string Secret = "s3cret";

    private static readonly MembershipOptions Fast = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(50),
        RegistrationRetryMin = TimeSpan.FromMilliseconds(20),
        RegistrationRetryMax = TimeSpan.FromMilliseconds(100),
        CallTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>What the fake gateway saw.</summary>
    private sealed class FakeGateway
    {
        public ConcurrentQueue<MachineRegistration> Registrations { get; } = new();
        public ConcurrentQueue<MachineHeartbeat> Heartbeats { get; } = new();
        public ConcurrentQueue<string?> Secrets { get; } = new();
        /// <summary>Answer heartbeats with 404 unknown machine (the gateway lost the machine).</summary>
        public volatile bool Forget;
        public int HeartbeatMs = 1000;

        public void Map(WebApplication app)
        {
            app.MapPost(MembershipRoutes.Register, async (HttpContext c) =>
            {
                Secrets.Enqueue(c.Request.Headers[ClusterSecret.HeaderName].FirstOrDefault());
                if (!await ControlResponses.CheckSecretAsync(c, Secret)) return;
                Registrations.Enqueue((await ControlResponses.ReadBodyAsync<MachineRegistration>(c))!);
                await ControlResponses.WriteJsonAsync(c, new RegistrationReply(HeartbeatMs));
            });
            app.MapPost(MembershipRoutes.Heartbeat, async (HttpContext c) =>
            {
                if (!await ControlResponses.CheckSecretAsync(c, Secret)) return;
                var heartbeat = (await ControlResponses.ReadBodyAsync<MachineHeartbeat>(c))!;
                if (Forget)
                {
                    await ControlResponses.WriteErrorAsync(c, new ControlError(ControlError.UnknownMachine, "who?"));
                    return;
                }
                Heartbeats.Enqueue(heartbeat);
                c.Response.StatusCode = 204;
            });
        }
    }

    /// <summary>A machine that only reports a load whose Steps count its load reads.</summary>
    private sealed class LoadOnlyMachine : IMachine
    {
        private long _reads;
        public MachineId Id => new("token-test");
        public MachineRole Role => MachineRole.Token;
        public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, CancellationToken cancellationToken) => throw new NotSupportedException();
        public ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken)
            => ValueTask.FromResult(new MachineLoad(1, 0, 5, 100, 1, 1, 0, Interlocked.Increment(ref _reads)));
    }

    private static GatewayRegistration Registration(Uri gateway, string secret = Secret)
    {
        var machine = new LoadOnlyMachine();
        return new GatewayRegistration(gateway, secret, machine,
            load => new MachineRegistration(machine.Id, machine.Role, "http://127.0.0.1:1", "127.0.0.1:2", "instance-1", new ModelShape(1, 2, 3, 4, 5, 6), 50, load),
            Fast, NullLogger.Instance);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Registers_once_the_gateway_comes_up_then_heartbeats_with_fresh_loads()
    {
        int port = LoopbackApp.FreePort();
        using var registration = Registration(new Uri($"http://127.0.0.1:{port}"));
        using var stop = new CancellationTokenSource();
        var running = registration.RunAsync(stop.Token);
        await Task.Delay(300); // several attempts against a closed port
        Assert.Equal(RegistrationState.Registering, registration.State);
        Assert.Equal(0, registration.Registrations);

        var gateway = new FakeGateway { HeartbeatMs = 30 };
        await using var app = await LoopbackApp.StartAsync(gateway.Map, port);
        await EventuallyAsync(() => gateway.Heartbeats.Count >= 3, "three heartbeats");
        Assert.Equal(RegistrationState.Registered, registration.State);
        Assert.Single(gateway.Registrations);
        Assert.All(gateway.Secrets, s => Assert.Equal(Secret, s));
        Assert.Equal("token-test", gateway.Registrations.Single().Id.Value);
        // The gateway asked for a shorter interval than the silo's own: the silo follows it.
        Assert.Equal(TimeSpan.FromMilliseconds(30), registration.HeartbeatInterval);
        var steps = gateway.Heartbeats.Select(h => h.Load.Steps).ToList();
        Assert.True(steps.SequenceEqual(steps.Order()) && steps.Distinct().Count() == steps.Count, "each heartbeat carries a fresh load");
        Assert.All(gateway.Heartbeats, h => Assert.Equal("instance-1", h.Instance));

        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(RegistrationState.Stopped, registration.State);
    }

    [Fact]
    public async Task Registers_again_when_the_gateway_forgets_the_machine()
    {
        var gateway = new FakeGateway { HeartbeatMs = 30 };
        await using var app = await LoopbackApp.StartAsync(gateway.Map);
        using var registration = Registration(app.BaseAddress);
        using var stop = new CancellationTokenSource();
        var running = registration.RunAsync(stop.Token);
        await EventuallyAsync(() => gateway.Heartbeats.Count >= 1, "a heartbeat");
        gateway.Forget = true;
        await EventuallyAsync(() => gateway.Registrations.Count >= 2, "a second registration");
        gateway.Forget = false;
        int before = gateway.Heartbeats.Count;
        await EventuallyAsync(() => gateway.Heartbeats.Count > before, "heartbeats after re-registering");
        Assert.True(registration.Registrations >= 2);
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_wrong_secret_is_a_refusal_not_a_retry_loop()
    {
        var gateway = new FakeGateway();
        await using var app = await LoopbackApp.StartAsync(gateway.Map);
        using var registration = Registration(app.BaseAddress, "not-the-secret");
        var error = await Assert.ThrowsAsync<RegistrationRefusedException>(() => registration.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("401", error.Message);
        Assert.Equal(RegistrationState.Refused, registration.State);
        Assert.Empty(gateway.Registrations);
        Assert.Single(gateway.Secrets);
    }
}
