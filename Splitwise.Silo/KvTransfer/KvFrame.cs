namespace Splitwise.Silo.KvTransfer;

public enum KvFrameKind : byte
{
    /// <summary>K and V of one layer for a range of tokens and KV heads.</summary>
    LayerData = 0,
    /// <summary>The sender has sent every layer of the request's prompt.</summary>
    End = 1,
    /// <summary>The sender gives up on this request; the receiver releases what it reserved.</summary>
    Abort = 2,
}

public enum KvElementType : byte
{
    F32 = 0,
    F16 = 1,
}

/// <summary>
/// One unit of the prompt→token KV stream. The payload holds K then V, each [TokenCount, HeadCount, HeadDim]
/// in <see cref="ElementType"/>; its length follows from the shape, and a checksum covers it.
/// </summary>
public sealed record KvFrame(
    KvFrameKind Kind,
    long RequestId,
    int Layer,
    int HeadStart,
    int HeadCount,
    int TokenStart,
    int TokenCount,
    int HeadDim,
    KvElementType ElementType,
    ReadOnlyMemory<byte> Payload)
{
    public static int ElementBytes(KvElementType type) => type == KvElementType.F16 ? 2 : 4;

    /// <summary>Payload bytes this frame's shape implies.</summary>
    public long ExpectedPayloadBytes => Kind == KvFrameKind.LayerData ? 2L * TokenCount * HeadCount * HeadDim * ElementBytes(ElementType) : 0;

    public static KvFrame End(long requestId) => new(KvFrameKind.End, requestId, 0, 0, 0, 0, 0, 0, KvElementType.F32, ReadOnlyMemory<byte>.Empty);
    public static KvFrame Abort(long requestId) => new(KvFrameKind.Abort, requestId, 0, 0, 0, 0, 0, 0, KvElementType.F32, ReadOnlyMemory<byte>.Empty);
}
