using System.Buffers;
using System.Buffers.Binary;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// Binary form of <see cref="KvFrame"/>, little-endian:
/// magic "SWKV" · version u16 · kind u8 · element type u8 · request id i64 · layer u16 · head start u16 ·
/// head count u16 · head dim u16 · token start u32 · token count u32 · payload length u32 · payload CRC-32C u32 ·
/// header CRC-32C u32 (over everything before it), then the payload. A reader checks the header checksum before
/// trusting any length in it, the shape against the length, and the payload checksum before handing the frame on.
/// <para>
/// A bad frame costs only itself: after a broken header, or a payload that fails its checksum or is cut short, the
/// reader moves to the next place where the magic starts a header with a valid checksum, looking inside the bad
/// frame's claimed payload too (a truncated frame's claimed payload holds the frames sent after it). A false match
/// needs the magic and a 32-bit checksum to agree by chance.
/// </para>
/// </summary>
public static class KvFrameCodec
{
    /// <summary>2: Hello/Ack/Nack kinds and resynchronising readers.</summary>
    public const ushort Version = 2;
    public const int HeaderBytes = 44;
    private static ReadOnlySpan<byte> Magic => "SWKV"u8;

    /// <summary>
    /// Frames larger than this are refused: a reader holds a whole frame before checking it, so this bounds its
    /// buffer. Senders split longer token ranges (<see cref="KvTransferOptions.MaxFrameBytes"/>). 16 MiB.
    /// </summary>
    public const int MaxPayloadBytes = 16 << 20;

    /// <summary>Largest Hello or Nack payload. 1 KiB.</summary>
    public const int MaxControlPayloadBytes = 1024;

    public static void Write(IBufferWriter<byte> output, KvFrame frame)
    {
        if (LengthProblem(frame, frame.Payload.Length) is { } problem) throw new ArgumentException(problem, nameof(frame));
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

    /// <summary>Bytes <paramref name="frame"/> takes on the wire.</summary>
    public static long WireBytes(KvFrame frame) => HeaderBytes + frame.Payload.Length;

    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/> if it is all there (advancing past it), and returns
    /// false if more bytes are needed. Throws <see cref="KvFrameException"/> for a frame that can never be valid, after
    /// advancing <paramref name="buffer"/> to where reading can go on (the next frame header, or the last bytes that
    /// may begin one), so the caller can catch, report, and call again.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out KvFrame? frame)
    {
        long scanned = 0;
        frame = null;
        if (!TryRead(ref buffer, ref scanned, out var header, out var payload)) return false;
        frame = header with { Payload = payload.ToArray() };
        return true;
    }

    /// <summary>
    /// <see cref="TryRead(ref ReadOnlySequence{byte}, out KvFrame?)"/> without copying: <paramref name="payload"/> is a
    /// slice of the input, valid until the caller releases those bytes. <paramref name="scanned"/> carries, between
    /// calls on the same stream, how far an incomplete frame's payload has been searched for a following header
    /// (start it at 0; it is reset whenever the front of the buffer moves).
    /// </summary>
    internal static bool TryRead(ref ReadOnlySequence<byte> buffer, ref long scanned, out KvFrame header, out ReadOnlySequence<byte> payload)
    {
        header = null!;
        payload = default;
        if (buffer.Length < HeaderBytes) return false;
        Span<byte> bytes = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(bytes);
        if (!HeaderIsSound(bytes))
        {
            string what = bytes[..4].SequenceEqual(Magic) ? "header checksum mismatch" : "bad frame magic";
            long skipped = Resynchronise(ref buffer, ref scanned, from: 1, until: buffer.Length);
            throw new KvFrameException($"Lost the frame boundary ({what}): skipped {skipped} bytes to the next frame header.");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        long requestId = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        var candidate = new KvFrame((KvFrameKind)bytes[6], requestId,
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[16..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[24..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[28..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[22..]),
            (KvElementType)bytes[7], ReadOnlyMemory<byte>.Empty);
        uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[32..]);
        string? problem = version != Version ? $"unsupported KV frame version {version} (this build speaks {Version})"
            : !Enum.IsDefined(candidate.Kind) ? $"unknown frame kind {bytes[6]}"
            : !Enum.IsDefined(candidate.ElementType) ? $"unknown element type {bytes[7]}"
            : LengthProblem(candidate, payloadLength);
        if (problem != null)
        {
            // The header is what its sender wrote, but its length cannot be trusted: look for the next frame right after it.
            Resynchronise(ref buffer, ref scanned, from: 1, until: buffer.Length);
            throw new KvFrameException($"Frame for request {requestId}: {problem}.", requestId);
        }

        long frameEnd = HeaderBytes + (long)payloadLength;
        if (buffer.Length < frameEnd)
        {
            // Incomplete so far. If a valid header already sits inside the claimed payload, this frame was cut short.
            long from = Math.Max(HeaderBytes, scanned);
            long next = NextHeader(buffer, from, buffer.Length, out bool verified, out long resumeAt);
            if (next >= 0 && verified)
            {
                buffer = buffer.Slice(next);
                scanned = 0;
                throw CutShort(candidate, next, payloadLength);
            }
            scanned = next >= 0 ? next : resumeAt;
            return false;
        }

        payload = buffer.Slice(HeaderBytes, payloadLength);
        if (Checksum(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[36..]))
        {
            payload = default;
            long next = NextHeader(buffer, HeaderBytes, frameEnd, out bool verified, out _);
            buffer = buffer.Slice(next >= 0 ? next : frameEnd);
            scanned = 0;
            // A whole frame header inside the payload means the frame was cut short and later frames filled its length.
            throw verified ? CutShort(candidate, next, payloadLength)
                : new KvFrameException($"Frame for request {requestId}, layer {candidate.Layer}: payload checksum mismatch.", requestId);
        }
        buffer = buffer.Slice(frameEnd);
        scanned = 0;
        header = candidate;
        return true;
    }

    private static KvFrameException CutShort(KvFrame frame, long nextHeader, uint payloadLength)
        => new($"Frame for request {frame.RequestId}, layer {frame.Layer} was cut short: the next frame starts "
            + $"{nextHeader - HeaderBytes} bytes into its {payloadLength}-byte payload.", frame.RequestId);

    /// <summary>Why a payload of <paramref name="length"/> bytes cannot belong to <paramref name="frame"/>, or null.</summary>
    private static string? LengthProblem(KvFrame frame, long length)
    {
        if (frame.HasVariablePayload)
            return length <= MaxControlPayloadBytes ? null : $"{frame.Kind} payload of {length} bytes exceeds the {MaxControlPayloadBytes}-byte limit";
        if (length > MaxPayloadBytes) return $"payload of {length} bytes exceeds the {MaxPayloadBytes}-byte limit";
        long expected = frame.ExpectedPayloadBytes;
        return length == expected ? null : $"payload of {length} bytes does not match its shape ({expected} bytes)";
    }

    private static bool HeaderIsSound(ReadOnlySpan<byte> header)
        => header[..4].SequenceEqual(Magic) && BinaryPrimitives.ReadUInt32LittleEndian(header[40..]) == Crc32C.Compute(header[..40]);

    private static uint Checksum(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment) return Crc32C.Compute(data.FirstSpan);
        uint crc = 0;
        foreach (var segment in data) crc = Crc32C.Compute(segment.Span, crc);
        return crc;
    }

    /// <summary>
    /// Drops the front of <paramref name="buffer"/> up to the next possible header in [from, until) — a verified one,
    /// or one too close to the end to verify yet — or up to <paramref name="until"/>. Returns the bytes dropped.
    /// </summary>
    private static long Resynchronise(ref ReadOnlySequence<byte> buffer, ref long scanned, long from, long until)
    {
        long next = NextHeader(buffer, from, until, out _, out _);
        long skip = next >= 0 ? next : until;
        buffer = buffer.Slice(skip);
        scanned = 0;
        return skip;
    }

    /// <summary>
    /// The first position in [from, until) where a header with valid magic and checksum starts
    /// (<paramref name="verified"/> true), or where the magic, or the part of it before the buffer ends, starts a
    /// header whose bytes are not all here yet (false); -1 if none. <paramref name="resumeAt"/> is where a later
    /// search over a longer buffer need start when none was found.
    /// </summary>
    private static long NextHeader(ReadOnlySequence<byte> buffer, long from, long until, out bool verified, out long resumeAt)
    {
        verified = false;
        resumeAt = Math.Max(from, Math.Min(until, buffer.Length - (Magic.Length - 1)));
        if (from >= buffer.Length) return -1;
        var reader = new SequenceReader<byte>(buffer.Slice(from));
        Span<byte> header = stackalloc byte[HeaderBytes];
        Span<byte> part = stackalloc byte[Magic.Length];
        while (reader.TryAdvanceTo(Magic[0], advancePastDelimiter: false))
        {
            long at = from + reader.Consumed;
            if (at >= until) return -1;
            long available = buffer.Length - at;
            if (available < Magic.Length)
            {
                buffer.Slice(at).CopyTo(part);
                return part[..(int)available].SequenceEqual(Magic[..(int)available]) ? at : -1;
            }
            if (reader.IsNext(Magic))
            {
                if (available < HeaderBytes) return at;
                buffer.Slice(at, HeaderBytes).CopyTo(header);
                if (HeaderIsSound(header))
                {
                    verified = true;
                    return at;
                }
            }
            reader.Advance(1);
        }
        return -1;
    }
}
