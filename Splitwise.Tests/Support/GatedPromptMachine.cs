using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Tests.Support;

/// <summary>
/// A real prompt machine whose prefills wait until the test opens <see cref="Gate"/>: a prompt stuck in a busy prompt
/// machine's queue, for as long as the test wants, without real time passing.
/// </summary>
public sealed class GatedPromptMachine(IPromptMachine inner) : IPromptMachine
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MachineId Id => inner.Id;
    public MachineRole Role => inner.Role;

    /// <summary>Completes when the first prefill order has arrived and is waiting.</summary>
    public Task Entered => _entered.Task;

    public void Open() => _gate.TrySetResult();

    public async Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        return await inner.PrefillAsync(order, cancellationToken);
    }

    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, CancellationToken cancellationToken) => inner.GenerateAsync(order, cancellationToken);

    public ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken) => inner.GetLoadAsync(cancellationToken);
}
