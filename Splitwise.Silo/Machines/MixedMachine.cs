using Splitwise.Engine;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// Runs whole requests (prompts first, decodes deferred a bounded number of steps), and can also take either half
/// of a split request, which is what a machine in the mixed pool does.
/// </summary>
public sealed class MixedMachine : Machine, IPromptMachine, ITokenMachine
{
    private readonly KvStreamSender _sender;
    private readonly PrefillWork _prefill;
    private readonly DecodeWork _decode;

    /// <param name="time">The clock the receiver's leases run on; the system clock unless a test fakes it.</param>
    public MixedMachine(MachineId id, LlmEngine engine, IKvTransport transport, string kvEndpoint, KvTransferOptions options, TimeProvider? time = null) : base(id, MachineRole.Mixed, engine)
    {
        _sender = new KvStreamSender(transport, options);
        engine.LayerSink = _sender;
        _prefill = new PrefillWork(Loop, _sender);
        Receiver = new KvStreamReceiver(engine.Cache, options, time);
        KvEndpoint = kvEndpoint;
        _decode = new DecodeWork(Loop, Receiver, kvEndpoint, options);
    }

    public KvStreamReceiver Receiver { get; }
    public string KvEndpoint { get; }

    public Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken) => _prefill.PrefillAsync(order, cancellationToken);

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken) => _decode.ReserveAsync(reservation, cancellationToken);

    public IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, CancellationToken cancellationToken) => _decode.DecodeAsync(order, cancellationToken);

    public Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken) => _decode.RenewAsync(requestId);

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken) => _decode.ReleaseAsync(requestId, cancellationToken);

    protected override KvTransferStats TransferStats => Sum(_sender.Stats, Receiver.Stats);

    private static KvTransferStats Sum(KvTransferStats a, KvTransferStats b) => new(
        a.Transfers + b.Transfers, a.BytesSent + b.BytesSent, a.BytesReceived + b.BytesReceived, a.FramesRejected + b.FramesRejected,
        a.TransfersFailed + b.TransfersFailed, a.TransferTime + b.TransferTime, a.NonOverlappedTime + b.NonOverlappedTime,
        a.ReceiveBufferBytes + b.ReceiveBufferBytes);

    public override void Dispose()
    {
        base.Dispose();
        _sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
