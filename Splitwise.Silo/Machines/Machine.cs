using System.Runtime.CompilerServices;
using Splitwise.Engine;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// What every machine has: an id, a role, an engine on its own loop, and the ability to run a request wholly
/// (mixed-pool work, or a request taken over from a machine that died). Owns and disposes its engine.
/// </summary>
public abstract class Machine : IMachine, IDisposable
{
    protected Machine(MachineId id, MachineRole role, LlmEngine engine)
    {
        Id = id;
        Role = role;
        Loop = new EngineLoop(engine, id.Value);
    }

    public MachineId Id { get; }
    public MachineRole Role { get; }
    public EngineLoop Loop { get; }

    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = Loop.Submit(order.Prompt, order.Sampling, order.OutputSoFar);
        await foreach (var ev in ReadToFinishAsync(stream, cancellationToken)) yield return ev;
    }

    public ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken)
        => ValueTask.FromResult(Loop.Load with { Transfer = TransferStats });

    /// <summary>This machine's KV traffic (prompt machines send, token machines receive, mixed both).</summary>
    protected virtual KvTransferStats TransferStats => KvTransferStats.Empty;

    /// <summary>Reads a request's events until its finish; a reader that stops early withdraws the request.</summary>
    internal static async IAsyncEnumerable<GenerationEvent> ReadToFinishAsync(GenerationStream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool finished = false;
        try
        {
            await foreach (var ev in stream.Events.ReadAllAsync(cancellationToken))
            {
                finished |= ev.Finish is not null;
                yield return ev;
            }
        }
        finally
        {
            if (!finished) stream.Cancel();
        }
    }

    public virtual void Dispose()
    {
        Loop.Dispose();
        Loop.Engine.Dispose();
        GC.SuppressFinalize(this);
    }
}
