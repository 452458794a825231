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
    private readonly ITokenMachine _machine;
    private readonly long _requestId;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop;
    private readonly ITimer _timer;
    private Task _current = Task.CompletedTask;
    private int _busy, _renewals, _failures;
    private volatile bool _lost;

    private KvLeaseKeepAlive(ITokenMachine machine, long requestId, TimeSpan lease, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        _machine = machine;
        _requestId = requestId;
        _time = time;
        _log = log;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, lease.Ticks / 3));
        // A periodic timer, not a delay re-armed after each answer: a slow answer does not push the next renewal back.
        _timer = time.CreateTimer(_ => Tick(), null, Period, Period);
    }

    /// <summary>Starts renewing <paramref name="requestId"/>'s reservation on <paramref name="machine"/> until disposed or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="lease">The lease the machine granted; renewals go every third of it.</param>
    public static KvLeaseKeepAlive Start(ITokenMachine machine, long requestId, TimeSpan lease, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(time);
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

    private void Tick()
    {
        if (_lost || _stop.IsCancellationRequested) return;
        // One renewal at a time: one still waiting for its answer is given up at the period's end by its own deadline.
        if (Interlocked.Exchange(ref _busy, 1) == 1) return;
        Volatile.Write(ref _current, RenewAsync());
    }

    private async Task RenewAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(Period, _time);
            using var call = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, deadline.Token);
            if (!await _machine.RenewAsync(_requestId, call.Token).ConfigureAwait(false))
            {
                _lost = true;
                _timer.Dispose();
                _log.LogWarning("Token machine {Machine} no longer holds the KV reservation of request {Request}; its transfer will fail and the request is recomputed",
                    _machine.Id, _requestId);
                return;
            }
            Interlocked.Increment(ref _renewals);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // Stopped while the renewal was out: its outcome no longer matters.
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _failures);
            _log.LogDebug("Renewing the KV lease of request {Request} on {Machine} failed ({Error}); trying again in {Period} ms",
                _requestId, _machine.Id, e.Message, Period.TotalMilliseconds);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Stops renewing (the prefill answered, failed, or the client left) and waits for a renewal in flight to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        _stop.Cancel();
        await Volatile.Read(ref _current).ConfigureAwait(false);
        _stop.Dispose();
    }
}
