namespace Splitwise.Silo.KvTransfer;

/// <summary>Counters of one machine's KV traffic since start (sent by prompt machines, received by token machines).</summary>
public sealed record KvTransferStats(
    long Transfers,
    long BytesSent,
    long BytesReceived,
    long FramesRejected,
    long TransfersFailed,
    TimeSpan TransferTime,
    TimeSpan NonOverlappedTime,
    long ReceiveBufferBytes)
{
    public static KvTransferStats Empty { get; } = new(0, 0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero, 0);
}
