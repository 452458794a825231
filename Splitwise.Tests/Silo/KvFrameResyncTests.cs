using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Silo;

/// <summary>After a bad frame the reader finds the next good one, so only the bad frame's request is lost.</summary>
public class KvFrameResyncTests
{
    private static KvFrame Layer(long id, int tokens = 6, int layer = 1)
    {
        var payload = new byte[2 * tokens * 2 * 4 * 4];
        new Random((int)id * 7 + tokens).NextBytes(payload);
        return new KvFrame(KvFrameKind.LayerData, id, layer, 0, 2, 0, tokens, 4, KvElementType.F32, payload);
    }

    /// <summary>Reads everything, collecting frames and the errors in between (with their request ids).</summary>
    private static (List<KvFrame> Frames, List<KvFrameException> Errors, long Left) ReadAll(byte[] bytes)
    {
        var seq = new ReadOnlySequence<byte>(bytes);
        var frames = new List<KvFrame>();
        var errors = new List<KvFrameException>();
        for (int guard = 0; guard < 100; guard++)
        {
            try
            {
                if (!KvFrameCodec.TryRead(ref seq, out var f)) break;
                frames.Add(f!);
            }
            catch (KvFrameException e)
            {
                errors.Add(e);
            }
        }
        return (frames, errors, seq.Length);
    }

    [Fact]
    public void Control_frames_round_trip_and_a_long_reason_is_cut_at_a_character_boundary()
    {
        var nack = KvFrameCodec.Encode(KvFrame.Nack(9, "lease expired"));
        var (frames, errors, _) = ReadAll([.. nack, .. KvFrameCodec.Encode(KvFrame.Ack(9)), .. KvFrameCodec.Encode(KvHello.Frame("s"))]);
        Assert.Empty(errors);
        Assert.Equal("lease expired", frames[0].Reason);
        Assert.Equal((KvFrameKind.Ack, 9L), (frames[1].Kind, frames[1].RequestId));
        Assert.Equal(32, frames[2].Payload.Length);

        var longReason = KvFrame.Nack(1, new string('é', 600)); // 1200 bytes of two-byte characters
        Assert.True(longReason.Payload.Length <= KvFrameCodec.MaxControlPayloadBytes);
        Assert.Equal(new string('é', 512), longReason.Reason);
        Assert.Throws<ArgumentException>(() => KvFrameCodec.Encode(KvFrame.Hello(new byte[KvFrameCodec.MaxControlPayloadBytes + 1])));
        Assert.Throws<ArgumentException>(() => KvFrameCodec.Encode(KvFrame.Ack(1) with { Payload = new byte[1] }));
    }

    [Fact]
    public void Garbage_before_a_frame_is_skipped_with_one_error()
    {
        var garbage = Encoding.ASCII.GetBytes("xxSWKVjunkSWK" + new string('z', 60));
        var (frames, errors, left) = ReadAll([.. garbage, .. KvFrameCodec.Encode(Layer(5)), .. KvFrameCodec.Encode(KvFrame.End(5))]);
        Assert.Equal([KvFrameKind.LayerData, KvFrameKind.End], frames.Select(f => f.Kind));
        Assert.Null(Assert.Single(errors).RequestId); // one skip over all of it, attributed to no request
        Assert.Equal(0, left);
    }

    [Fact]
    public void A_truncated_frame_fails_its_request_and_the_frames_inside_its_claimed_payload_are_read()
    {
        var cut = KvFrameCodec.Encode(Layer(1, tokens: 40));
        var bytes = (byte[])[.. cut[..(KvFrameCodec.HeaderBytes + 100)], .. KvFrameCodec.Encode(Layer(2)), .. KvFrameCodec.Encode(KvFrame.End(2)), .. KvFrameCodec.Encode(KvFrame.End(1))];
        Assert.True(bytes.Length < cut.Length); // everything after the cut lies inside the claimed payload

        var (frames, errors, left) = ReadAll(bytes);
        var error = Assert.Single(errors);
        Assert.Equal(1, error.RequestId);
        Assert.Contains("cut short", error.Message);
        Assert.Equal([(KvFrameKind.LayerData, 2L), (KvFrameKind.End, 2L), (KvFrameKind.End, 1L)], frames.Select(f => (f.Kind, f.RequestId)));
        Assert.Equal(0, left);
    }

    [Fact]
    public void A_truncated_frame_is_noticed_as_the_next_frames_arrive_not_when_its_claimed_length_is_reached()
    {
        var cut = KvFrameCodec.Encode(Layer(1, tokens: 400))[..(KvFrameCodec.HeaderBytes + 10)];
        var next = KvFrameCodec.Encode(KvFrame.End(2));
        var stream = (byte[])[.. cut, .. next];
        // Feed it a byte at a time, as a socket might.
        for (int have = 1; have <= stream.Length; have++)
        {
            var seq = new ReadOnlySequence<byte>(stream, 0, have);
            try
            {
                bool got = KvFrameCodec.TryRead(ref seq, out _);
                Assert.False(got, $"read a frame from {have} bytes");
            }
            catch (KvFrameException e)
            {
                Assert.Equal(stream.Length, have); // only once the End's header is whole
                Assert.Equal(1, e.RequestId);
                Assert.Equal(next.Length, seq.Length);
                Assert.True(KvFrameCodec.TryRead(ref seq, out var end));
                Assert.Equal(2, end!.RequestId);
                return;
            }
        }
        Assert.Fail("the cut frame was never reported");
    }

    [Fact]
    public void A_corrupted_payload_fails_only_its_request()
    {
        var bad = KvFrameCodec.Encode(Layer(3));
        bad[KvFrameCodec.HeaderBytes + 17] ^= 1;
        var (frames, errors, left) = ReadAll([.. KvFrameCodec.Encode(Layer(4)), .. bad, .. KvFrameCodec.Encode(Layer(5)), .. KvFrameCodec.Encode(KvFrame.End(3))]);
        var error = Assert.Single(errors);
        Assert.Equal(3, error.RequestId);
        Assert.Contains("payload checksum", error.Message);
        Assert.Equal([4L, 5L, 3L], frames.Select(f => f.RequestId));
        Assert.Equal(0, left);
    }

    [Fact]
    public void Another_version_or_an_impossible_shape_is_refused_by_request_and_reading_goes_on()
    {
        var other = KvFrameCodec.Encode(Layer(6));
        BinaryPrimitives.WriteUInt16LittleEndian(other.AsSpan(4), KvFrameCodec.Version + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(other.AsSpan(40), Crc32C.Compute(other.AsSpan(0, 40))); // a sound header of another version
        var tooBig = KvFrameCodec.Encode(KvFrame.End(7));
        tooBig[6] = (byte)KvFrameKind.LayerData;
        BinaryPrimitives.WriteUInt16LittleEndian(tooBig.AsSpan(20), 1000);  // head count
        BinaryPrimitives.WriteUInt16LittleEndian(tooBig.AsSpan(22), 1000);  // head dim
        BinaryPrimitives.WriteUInt32LittleEndian(tooBig.AsSpan(28), 1000);  // tokens: 8 GB of shape
        BinaryPrimitives.WriteUInt32LittleEndian(tooBig.AsSpan(40), Crc32C.Compute(tooBig.AsSpan(0, 40)));

        var (frames, errors, _) = ReadAll([.. other, .. tooBig, .. KvFrameCodec.Encode(KvFrame.End(8))]);
        Assert.Equal([6L, 7L], errors.Select(e => e.RequestId!.Value));
        Assert.Contains("version", errors[0].Message);
        Assert.Contains("does not match its shape", errors[1].Message);
        Assert.Equal(8, Assert.Single(frames).RequestId);
    }

    [Fact]
    public void The_hello_proof_accepts_only_the_same_secret()
    {
        Assert.Null(KvHello.Refusal(KvHello.Frame("alpha"), "alpha"));
        Assert.Null(KvHello.Refusal(KvHello.Frame(null), null));
        Assert.Null(KvHello.Refusal(KvHello.Frame("alpha"), null)); // a receiver without a secret checks nothing
        Assert.Contains("mismatch", KvHello.Refusal(KvHello.Frame("beta"), "alpha"));
        Assert.Contains("required", KvHello.Refusal(KvHello.Frame(null), "alpha"));
        Assert.Contains("Hello", KvHello.Refusal(KvFrame.End(1), null));
        Assert.Equal(32, KvHello.Proof("alpha").Length);
        Assert.Empty(KvHello.Proof(null));
    }
}
