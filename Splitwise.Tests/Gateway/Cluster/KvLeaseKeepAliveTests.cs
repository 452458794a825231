using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway.Cluster;

/// <summary>The gateway's lease keep-alive on a manual clock against a scripted token machine.</summary>
public class KvLeaseKeepAliveTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static int Renews(ScriptedMachine m)
    {
        lock (m.Calls) return m.Calls.Count(c => c == "renew");
    }

    [Fact]
    public async Task It_renews_every_third_of_the_lease_retries_after_a_failed_call_and_stops_for_good_once_the_reservation_is_gone()
    {
        var clock = new ManualTimeProvider();
        var token = new ScriptedMachine("token-0", MachineRole.Token) { FailRenewals = 1 };
        await token.ReserveAsync(new KvReservation(5, [1, 2, 3], new SamplingParams()), default);
        await using var keepAlive = KvLeaseKeepAlive.Start(token, 5, Lease, clock, NullLogger.Instance, CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(1), keepAlive.Period);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, Renews(token));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((1, 0, 1), (Renews(token), keepAlive.Renewals, keepAlive.Failures)); // unreachable: counted, tried again
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((3, 2, 1), (Renews(token), keepAlive.Renewals, keepAlive.Failures));

        await token.ReleaseAsync(5, default);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(keepAlive.Lost);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(4, Renews(token)); // the refusal was the last call
        Assert.Equal(2, keepAlive.Renewals);
    }

    [Fact]
    public async Task Disposing_or_cancelling_stops_the_renewals()
    {
        var clock = new ManualTimeProvider();
        var token = new ScriptedMachine("token-0", MachineRole.Token);
        await token.ReserveAsync(new KvReservation(6, [1, 2, 3], new SamplingParams()), default);
        using var client = new CancellationTokenSource();
        var cancelled = KvLeaseKeepAlive.Start(token, 6, Lease, clock, NullLogger.Instance, client.Token);
        var disposed = KvLeaseKeepAlive.Start(token, 6, Lease, clock, NullLogger.Instance, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((1, 1), (cancelled.Renewals, disposed.Renewals));

        client.Cancel(); // the client left
        await disposed.DisposeAsync(); // the attempt ended
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((1, 1), (cancelled.Renewals, disposed.Renewals));
        Assert.Equal(2, Renews(token));
        await cancelled.DisposeAsync();
    }
}
