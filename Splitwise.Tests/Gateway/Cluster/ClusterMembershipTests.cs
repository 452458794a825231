using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Gateway.Cluster;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Tests.Gateway.Cluster;

/// <summary>Silos joining, heartbeating and going silent, on a clock the test moves.</summary>
public class ClusterMembershipTests
{
    private sealed class SteppedClock : TimeProvider
    {
        private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    private static readonly ModelShape Model = new(5, 64, 4, 8, 512, 512);
    private static readonly MachineLoad Idle = new(0, 0, 0, 100, 0, 0, 0, 0);

    private static MachineRegistration Registration(string id, MachineRole role, string instance = "a", ModelShape? model = null, MachineLoad? load = null)
        => new(new MachineId(id), role, "http://127.0.0.1:7000", role == MachineRole.Prompt ? null : "127.0.0.1:7001", instance, model ?? Model, 1000, load ?? Idle);

    private static (ClusterMembership, MachineDirectory, SteppedClock) Create()
    {
        var clock = new SteppedClock();
        var directory = new MachineDirectory(clock);
        var membership = new ClusterMembership(directory, "s", new MembershipOptions(), NullLogger.Instance) { ExpectedModel = Model };
        return (membership, directory, clock);
    }

    [Fact]
    public void A_registered_silo_is_a_remote_machine_of_its_role_in_the_directory()
    {
        var (membership, directory, _) = Create();
        using var _membership = membership;
        Assert.Null(membership.Register(Registration("prompt-0", MachineRole.Prompt)));
        Assert.Null(membership.Register(Registration("token-0", MachineRole.Token, load: Idle with { BlocksUsed = 7 })));
        Assert.True(directory.TryGet(new MachineId("token-0"), out var token));
        var remote = Assert.IsType<RemoteMachine>(token);
        Assert.Equal(MachineRole.Token, remote.Role);
        Assert.Equal("127.0.0.1:7001", remote.KvEndpoint);
        var snapshot = directory.Snapshot();
        Assert.Equal(2, snapshot.Machines.Count);
        Assert.Equal(7, snapshot.Machines.Single(m => m.Id.Value == "token-0").KvBlocksUsed);
    }

    [Fact]
    public void A_deregistered_machine_leaves_at_once_without_its_calls_cut_and_only_its_own_instance_can_deregister_it()
    {
        var (membership, directory, _) = Create();
        using var _membership = membership;
        membership.Register(Registration("token-0", MachineRole.Token, instance: "new"));
        directory.TryGet(new MachineId("token-0"), out var token);

        // A late call from an old process of the same id must not remove its restarted successor.
        Assert.Equal(ControlError.UnknownMachine, membership.Deregister(new MachineDeregistration(new MachineId("token-0"), "old"))?.Type);
        Assert.True(directory.TryGet(new MachineId("token-0"), out _));

        Assert.Null(membership.Deregister(new MachineDeregistration(new MachineId("token-0"), "new")));
        Assert.False(directory.TryGet(new MachineId("token-0"), out _));
        Assert.Empty(directory.Snapshot().Machines);
        Assert.Empty(membership.Machines);
        Assert.False(((RemoteMachine)token).IsGone); // the silo drains what it has; the gateway does not cut it
        Assert.Equal(ControlError.UnknownMachine, membership.Heartbeat(new MachineHeartbeat(new MachineId("token-0"), "new", Idle))?.Type);
        Assert.Equal(ControlError.UnknownMachine, membership.Deregister(new MachineDeregistration(new MachineId("token-0"), "new"))?.Type);
    }

    [Fact]
    public void Three_missed_heartbeats_remove_a_machine_and_cut_its_calls()
    {
        var (membership, directory, clock) = Create();
        using var _membership = membership;
        membership.Register(Registration("prompt-0", MachineRole.Prompt));
        membership.Register(Registration("token-0", MachineRole.Token));
        directory.TryGet(new MachineId("token-0"), out var token);
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Null(membership.Heartbeat(new MachineHeartbeat(new MachineId("prompt-0"), "a", Idle with { Steps = i })));
            if (i < 2) Assert.Null(membership.Heartbeat(new MachineHeartbeat(new MachineId("token-0"), "a", Idle)));
            Assert.Empty(membership.RemoveSilent());
        }
        // token-0 last beat at t=2 s; it is now t=5 s: exactly 3 s of silence is still tolerated.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([new MachineId("token-0")], membership.RemoveSilent());
        Assert.False(directory.TryGet(new MachineId("token-0"), out _));
        Assert.True(((RemoteMachine)token).IsGone);
        Assert.Equal(4, directory.Members.Single().Load!.Steps);

        // Its next heartbeat is told to register again, and registering brings it back.
        var lost = membership.Heartbeat(new MachineHeartbeat(new MachineId("token-0"), "a", Idle));
        Assert.Equal(ControlError.UnknownMachine, lost?.Type);
        Assert.Equal(404, lost?.Status);
        Assert.Null(membership.Register(Registration("token-0", MachineRole.Token)));
        Assert.Equal(2, directory.Count);
    }

    [Fact]
    public void The_same_process_re_registering_keeps_its_proxy_and_a_restarted_one_replaces_it()
    {
        var (membership, directory, _) = Create();
        using var _membership = membership;
        membership.Register(Registration("token-0", MachineRole.Token, instance: "first"));
        directory.TryGet(new MachineId("token-0"), out var first);
        membership.Register(Registration("token-0", MachineRole.Token, instance: "first"));
        directory.TryGet(new MachineId("token-0"), out var again);
        Assert.Same(first, again);

        membership.Register(Registration("token-0", MachineRole.Token, instance: "second"));
        directory.TryGet(new MachineId("token-0"), out var restarted);
        Assert.NotSame(first, restarted);
        Assert.True(((RemoteMachine)first).IsGone);
        Assert.Equal(ControlError.UnknownMachine, membership.Heartbeat(new MachineHeartbeat(new MachineId("token-0"), "first", Idle))?.Type);
        Assert.Null(membership.Heartbeat(new MachineHeartbeat(new MachineId("token-0"), "second", Idle)));
    }

    [Fact]
    public void Silos_that_cannot_serve_this_model_or_say_nothing_useful_are_refused()
    {
        var (membership, directory, _) = Create();
        using var _membership = membership;
        var mismatch = membership.Register(Registration("token-0", MachineRole.Token, model: Model with { VocabSize = 32000 }));
        Assert.Equal(ControlError.ModelMismatch, mismatch?.Type);
        Assert.Contains("vocabulary 32000 (expected 512)", mismatch!.Message);
        Assert.Equal(ControlError.InvalidRequest, membership.Register(Registration("token-1", MachineRole.Token) with { KvEndpoint = null })?.Type);
        Assert.Equal(ControlError.InvalidRequest, membership.Register(Registration("mixed-0", MachineRole.Mixed) with { ControlUrl = "ftp://x" })?.Type);
        Assert.Equal(0, directory.Count);

        membership.ExpectedModel = null; // config not read yet
        Assert.Equal(503, membership.Register(Registration("token-0", MachineRole.Token))?.Status);
    }
}
