using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// Lets control calls in until the silo starts shutting down, then only those that carry on work already here
/// (decode, renew, release, load), and counts the calls in flight so shutdown can wait for them. New work
/// (generate, prefill, reserve) is refused with <see cref="ControlError.ShuttingDown"/>, which the gateway treats as a
/// machine fault and retries elsewhere.
/// </summary>
public sealed class DrainGate
{
    private int _inFlight;
    private int _closed;

    /// <summary>The silo is draining: no new work is taken.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Control calls being answered now (a streamed generate or decode counts until its last event).</summary>
    public int CallsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether a call to <paramref name="path"/> starts new work rather than continuing work already here.</summary>
    public static bool IsNewWork(string path) => path is ControlRoutes.Generate or ControlRoutes.Prefill or ControlRoutes.Reserve;

    /// <summary>Counts a call in; false (and not counted) for new work once closed. Every true must be matched by <see cref="Exit"/>.</summary>
    public bool TryEnter(bool newWork)
    {
        Interlocked.Increment(ref _inFlight);
        // Counted before the check: a drain that closes and then sees no calls in flight cannot miss one admitted in between.
        if (newWork && IsClosed)
        {
            Interlocked.Decrement(ref _inFlight);
            return false;
        }
        return true;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Stops taking new work. A full fence, so a drain that reads <see cref="CallsInFlight"/> next sees every call admitted before.</summary>
    public void Close() => Interlocked.Exchange(ref _closed, 1);

    /// <summary>
    /// Waits until no call is in flight and <paramref name="machine"/> holds no request (running, queued, or a KV
    /// reservation waiting for its prefill elsewhere), or until <paramref name="timeout"/>. True if it drained.
    /// </summary>
    public async Task<bool> WaitDrainedAsync(IMachine machine, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var load = await machine.GetLoadAsync(limit.Token);
                if (CallsInFlight == 0 && load.Running == 0 && load.Waiting == 0 && load.AwaitingKv == 0) return true;
                await Task.Delay(TimeSpan.FromMilliseconds(20), limit.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
