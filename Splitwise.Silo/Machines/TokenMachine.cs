using Splitwise.Engine;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// Decodes requests prefilled elsewhere: reserves their blocks on a lease, receives their KV through
/// <see cref="Receiver"/> (which the host attaches to a listener), and batches every decode KV memory allows.
/// </summary>
public sealed class TokenMachine : Machine, ITokenMachine
{
    private readonly DecodeWork _decode;

    /// <param name="kvEndpoint">Where prompt machines reach <see cref="Receiver"/>: "host:port", or an in-memory name.</param>
    /// <param name="time">The clock leases run on; the system clock unless a test fakes it.</param>
    public TokenMachine(MachineId id, LlmEngine engine, string kvEndpoint, KvTransferOptions options, TimeProvider? time = null) : base(id, MachineRole.Token, engine)
    {
        Receiver = new KvStreamReceiver(engine.Cache, options, time);
        KvEndpoint = kvEndpoint;
        _decode = new DecodeWork(Loop, Receiver, kvEndpoint, options);
    }

    public KvStreamReceiver Receiver { get; }
    public string KvEndpoint { get; }

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken) => _decode.ReserveAsync(reservation, cancellationToken);

    public IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, CancellationToken cancellationToken) => _decode.DecodeAsync(order, cancellationToken);

    public Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken) => _decode.RenewAsync(requestId);

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken) => _decode.ReleaseAsync(requestId, cancellationToken);

    protected override KvTransferStats TransferStats => Receiver.Stats;
}
