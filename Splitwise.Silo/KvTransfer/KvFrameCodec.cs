using System.Buffers;
using System.Buffers.Binary;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// Binary form of <see cref="KvFrame"/>, little-endian:
/// magic "SWKV" · version u16 · kind u8 · element type u8 · request id i64 · layer u16 · head start u16 ·
/// head count u16 · head dim u16 · token start u32 · token count u32 · payload length u32 · payload CRC-32C u32 ·
/// header CRC-32C u32 (over everything before it), then the payload. A reader checks the header checksum before
/// trusting any length in it, the shape against the length, and the payload checksum before handing the frame on.
/// </summary>
public static class KvFrameCodec
{
    public const ushort Version = 1;
    public const int HeaderBytes = 44;
    private static ReadOnlySpan<byte> Magic => "SWKV"u8;

    /// <summary>Frames larger than this are refused (a corrupted length must not make a reader allocate gigabytes). 256 MiB.</summary>
    public const int MaxPayloadBytes = 256 << 20;

    public static void Write(IBufferWriter<byte> output, KvFrame frame)
    {
        if (frame.Payload.Length != frame.ExpectedPayloadBytes)
            throw new ArgumentException($"Payload of {frame.Payload.Length} bytes does not match the frame's shape ({frame.ExpectedPayloadBytes} bytes).", nameof(frame));
        var header = output.GetSpan(HeaderBytes)[..HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Version);
        header[6] = (byte)frame.Kind;
        header[7] = (byte)frame.ElementType;
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], frame.RequestId);
        BinaryPrimitives.WriteUInt16LittleEndian(header[16..], checked((ushort)frame.Layer));
        BinaryPrimitives.WriteUInt16LittleEndian(header[18..], checked((ushort)frame.HeadStart));
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], checked((ushort)frame.HeadCount));
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], checked((ushort)frame.HeadDim));
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], checked((uint)frame.TokenStart));
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], checked((uint)frame.TokenCount));
        BinaryPrimitives.WriteUInt32LittleEndian(header[32..], (uint)frame.Payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[36..], Crc32C.Compute(frame.Payload.Span));
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], Crc32C.Compute(header[..40]));
        output.Advance(HeaderBytes);
        output.Write(frame.Payload.Span);
    }

    public static byte[] Encode(KvFrame frame)
    {
        var writer = new ArrayBufferWriter<byte>(HeaderBytes + frame.Payload.Length);
        Write(writer, frame);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/> if it is all there (advancing past it), returns
    /// false if more bytes are needed, and throws <see cref="KvFrameException"/> for a frame that can never be valid.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out KvFrame? frame)
    {
        frame = null;
        if (buffer.Length < HeaderBytes) return false;
        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        if (!header[..4].SequenceEqual(Magic)) throw new KvFrameException("Bad frame magic: the stream is not a KV stream or lost its framing.");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[40..]) != Crc32C.Compute(header[..40]))
            throw new KvFrameException("Frame header checksum mismatch.");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        long requestId = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (version != Version) throw new KvFrameException($"Unsupported KV frame version {version} (this build speaks {Version}).", requestId);
        var kind = (KvFrameKind)header[6];
        var type = (KvElementType)header[7];
        if (!Enum.IsDefined(kind)) throw new KvFrameException($"Unknown frame kind {header[6]}.", requestId);
        if (!Enum.IsDefined(type)) throw new KvFrameException($"Unknown element type {header[7]}.", requestId);
        uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(header[32..]);
        if (payloadLength > MaxPayloadBytes) throw new KvFrameException($"Frame payload of {payloadLength} bytes exceeds the {MaxPayloadBytes}-byte limit.", requestId);
        var candidate = new KvFrame(kind, requestId,
            BinaryPrimitives.ReadUInt16LittleEndian(header[16..]), BinaryPrimitives.ReadUInt16LittleEndian(header[18..]),
            BinaryPrimitives.ReadUInt16LittleEndian(header[20..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(header[24..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(header[28..]), BinaryPrimitives.ReadUInt16LittleEndian(header[22..]), type,
            ReadOnlyMemory<byte>.Empty);
        if (candidate.ExpectedPayloadBytes != payloadLength)
            throw new KvFrameException($"Frame for request {requestId}: payload of {payloadLength} bytes does not match its shape ({candidate.ExpectedPayloadBytes} bytes).", requestId);
        if (buffer.Length < HeaderBytes + payloadLength) return false;

        var payload = buffer.Slice(HeaderBytes, payloadLength).ToArray();
        if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[36..]))
        {
            buffer = buffer.Slice(HeaderBytes + payloadLength); // the framing is intact: the stream can go on
            throw new KvFrameException($"Frame for request {requestId}, layer {candidate.Layer}: payload checksum mismatch.", requestId);
        }
        buffer = buffer.Slice(HeaderBytes + payloadLength);
        frame = candidate with { Payload = payload };
        return true;
    }
}
