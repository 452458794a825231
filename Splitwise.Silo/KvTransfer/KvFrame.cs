using System.Text;

namespace Splitwise.Silo.KvTransfer;

public enum KvFrameKind : byte
{
    /// <summary>K and V of one layer for a range of tokens and KV heads.</summary>
    LayerData = 0,
    /// <summary>The sender has sent every layer of the request's prompt.</summary>
    End = 1,
    /// <summary>The sender gives up on this request; the receiver releases what it reserved.</summary>
    Abort = 2,
    /// <summary>First frame of a connection, sender → receiver: the payload proves the cluster secret (see <see cref="KvHello"/>).</summary>
    Hello = 3,
    /// <summary>Receiver → sender: the request's KV arrived whole (request id 0: the Hello was accepted).</summary>
    Ack = 4,
    /// <summary>Receiver → sender: the request failed; the payload is a short UTF-8 reason (request id 0: the connection is refused).</summary>
    Nack = 5,
}

public enum KvElementType : byte
{
    F32 = 0,
    F16 = 1,
}

/// <summary>
/// One unit of the prompt→token KV stream. A LayerData payload holds K then V, each token-major
/// [TokenCount][HeadCount][HeadDim] in <see cref="ElementType"/> (the layout of <c>KvCache.CopyTokensOut</c>);
/// its length follows from the shape. Hello and Nack carry a short variable payload (a proof, a reason) of at most
/// <see cref="KvFrameCodec.MaxControlPayloadBytes"/>; the other kinds none. A checksum covers every payload.
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

    /// <summary>Payload bytes this frame's shape implies: the K/V size for LayerData, 0 for End, Abort and Ack (Hello and Nack: see <see cref="HasVariablePayload"/>).</summary>
    public long ExpectedPayloadBytes => Kind == KvFrameKind.LayerData ? 2L * TokenCount * HeadCount * HeadDim * ElementBytes(ElementType) : 0;

    /// <summary>Hello and Nack payloads are not implied by the shape; they are bounded by <see cref="KvFrameCodec.MaxControlPayloadBytes"/>.</summary>
    public bool HasVariablePayload => Kind is KvFrameKind.Hello or KvFrameKind.Nack;

    /// <summary>A Nack's reason; null for other kinds.</summary>
    public string? Reason => Kind == KvFrameKind.Nack ? Encoding.UTF8.GetString(Payload.Span) : null;

    public static KvFrame End(long requestId) => Control(KvFrameKind.End, requestId, ReadOnlyMemory<byte>.Empty);
    public static KvFrame Abort(long requestId) => Control(KvFrameKind.Abort, requestId, ReadOnlyMemory<byte>.Empty);
    public static KvFrame Ack(long requestId) => Control(KvFrameKind.Ack, requestId, ReadOnlyMemory<byte>.Empty);

    /// <summary>A refusal; a reason longer than <see cref="KvFrameCodec.MaxControlPayloadBytes"/> in UTF-8 is cut at a character boundary.</summary>
    public static KvFrame Nack(long requestId, string reason) => Control(KvFrameKind.Nack, requestId, Utf8Prefix(reason, KvFrameCodec.MaxControlPayloadBytes));

    public static KvFrame Hello(ReadOnlyMemory<byte> proof) => Control(KvFrameKind.Hello, 0, proof);

    private static KvFrame Control(KvFrameKind kind, long requestId, ReadOnlyMemory<byte> payload)
        => new(kind, requestId, 0, 0, 0, 0, 0, 0, KvElementType.F32, payload);

    private static byte[] Utf8Prefix(string text, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes) return bytes;
        int cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--; // do not split a multi-byte character
        return bytes[..cut];
    }
}
