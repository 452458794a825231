using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// Keeps a token machine's KV reservation alive while the gateway waits for its prefill: renews the lease every
/// third of its length, so one lost or late renewal still leaves time for the next. Runs only while the request's
/// attempt is in flight, in the gateway process, so a client that leaves, an attempt that ends, or a gateway that
/// dies stops the renewals and the lease frees the blocks. A renewal the machine refuses (the reservation was
/// released or expired) ends the loop for good: a lost reservation is never revived.
/// </summary>
public sealed class KvLeaseKeepAlive : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;
    private int _renewals, _failures;
    private volatile bool _lost;

    private KvLeaseKeepAlive(ITokenMachine machine, long requestId, TimeSpan lease, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, lease.Ticks / 3));
        _loop = RunAsync(machine, requestId, time, log, _stop.Token);
    }

    /// <summary>Starts renewing <paramref name="requestId"/>'s reservation on <paramref name="machine"/> until disposed or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="lease">The lease the machine granted; renewals go every third of it.</param>
    public static KvLeaseKeepAlive Start(ITokenMachine machine, long requestId, TimeSpan lease, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return new KvLeaseKeepAlive(machine, requestId, lease, time, log, cancellationToken);
    }

    /// <summary>Time between renewals: a third of the lease.</summary>
    public TimeSpan Period { get; }

    /// <summary>Renewals the machine accepted.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Renewals that failed to reach the machine (tried again next period).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>The machine answered that the reservation is gone; no further renewals are sent.</summary>
    public bool Lost => _lost;

    private async Task RunAsync(ITokenMachine machine, long requestId, TimeProvider time, ILogger log, CancellationToken stop)
    {
        // ConfigureAwait(false) throughout: renewals must not queue behind the request's own continuations.
        try
        {
            while (true)
            {
                await Task.Delay(Period, time, stop).ConfigureAwait(false);
                // A renewal that hangs is abandoned at the next period, so it cannot hold back the one after it.
                using var deadline = new CancellationTokenSource(Period, time);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
                try
                {
                    if (!await machine.RenewAsync(requestId, call.Token).ConfigureAwait(false))
                    {
                        _lost = true;
                        log.LogWarning("Token machine {Machine} no longer holds the KV reservation of request {Request}; its transfer will fail and the request is recomputed",
                            machine.Id, requestId);
                        return;
                    }
                    Interlocked.Increment(ref _renewals);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failures);
                    log.LogDebug("Renewing the KV lease of request {Request} on {Machine} failed ({Error}); trying again in {Period} ms",
                        requestId, machine.Id, e.Message, Period.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops renewing (the prefill answered, failed, or the client left) and waits for a renewal in flight to end.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
