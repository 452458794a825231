using System.Collections.Concurrent;

namespace Splitwise.Silo.Machines;

/// <summary>
/// A machine's mailbox: messages from any thread, run one at a time on the machine's own loop thread between
/// engine steps (grain semantics), so the engine and its scheduler are only ever touched by that thread.
/// </summary>
public sealed class MachineMailbox
{
    private readonly ConcurrentQueue<Action> _turns = new();
    private readonly SemaphoreSlim _signal = new(0);

    public bool IsEmpty => _turns.IsEmpty;

    /// <summary>Queues <paramref name="turn"/>; the task completes with its result (or exception) once it has run.</summary>
    public Task<T> Post<T>(Func<T> turn)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _turns.Enqueue(() =>
        {
            try { done.SetResult(turn()); }
            catch (Exception e) { done.SetException(e); }
        });
        _signal.Release();
        return done.Task;
    }

    /// <summary>Wakes the loop without a message (work arrived some other way).</summary>
    public void Wake() => _signal.Release();

    /// <summary>Loop thread only: runs every queued turn.</summary>
    public void RunPending()
    {
        while (_turns.TryDequeue(out var turn)) turn();
    }

    /// <summary>Loop thread only: sleeps until a message or wake arrives, or <paramref name="timeout"/> passes.</summary>
    public void WaitForMail(TimeSpan timeout) => _signal.Wait(timeout);
}
