using Splitwise.Engine;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// Prefills prompts (FCFS, big batches) and streams their KV to token machines: the engine's layer sink is the
/// KV sender, so each layer leaves while the next one computes.
/// </summary>
public sealed class PromptMachine : Machine, IPromptMachine
{
    private readonly KvStreamSender _sender;
    private readonly PrefillWork _prefill;

    public PromptMachine(MachineId id, LlmEngine engine, IKvTransport transport, KvTransferOptions options) : base(id, MachineRole.Prompt, engine)
    {
        _sender = new KvStreamSender(transport, options);
        engine.LayerSink = _sender;
        _prefill = new PrefillWork(Loop, _sender);
    }

    public Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken) => _prefill.PrefillAsync(order, cancellationToken);

    protected override KvTransferStats TransferStats => _sender.Stats;

    public override void Dispose()
    {
        base.Dispose();
        _sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
