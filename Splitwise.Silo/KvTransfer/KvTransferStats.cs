namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// Counters of one machine's KV traffic since start (sent by prompt machines, received by token machines).
/// Bytes are frame bytes on the wire at this end, headers, Hello and replies included. TransferTime runs from a
/// transfer's first frame to its acknowledgement (sender) or its End (receiver); NonOverlappedTime, from the end of
/// prefill to the acknowledgement, is measured by senders only; FramesRejected and ReceiveBufferBytes (bytes
/// received but not yet consumed, now) by receivers only.
/// </summary>
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
