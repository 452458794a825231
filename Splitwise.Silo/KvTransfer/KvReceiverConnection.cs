using System.IO.Pipelines;

namespace Splitwise.Silo.KvTransfer;

/// <summary>What a receiver keeps per served connection: the pipe, the reader's resynchronisation progress, and how much sits unread.</summary>
internal sealed class KvReceiverConnection(IDuplexPipe connection)
{
    private long _buffered;

    public IDuplexPipe Connection { get; } = connection;

    /// <summary>How far an incomplete frame has been searched for a following header (see <see cref="KvFrameCodec"/>).</summary>
    public long Scanned;

    /// <summary>Bytes received but not yet consumed: a frame still arriving, or frames behind it.</summary>
    public long Buffered
    {
        get => Volatile.Read(ref _buffered);
        set => Volatile.Write(ref _buffered, value);
    }
}
