using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// An addressable machine with one mailbox (grain semantics: one turn at a time). In-process it is the machine
/// itself; across processes the gateway holds an HTTP proxy with the same verbs.
/// </summary>
public interface IMachine
{
    MachineId Id { get; }
    MachineRole Role { get; }

    /// <summary>
    /// Runs a request wholly here: prefill of the prompt plus any output already produced elsewhere, then decode.
    /// Events are numbered from <c>order.OutputSoFar.Count</c>. Cancelling the enumeration frees the request's blocks.
    /// </summary>
    IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, CancellationToken cancellationToken);

    ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken);
}
