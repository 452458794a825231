using System.Buffers;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Silo;

public class KvFrameCodecTests
{
    private static KvFrame Layer(int tokens = 5, int heads = 2, int dim = 8, KvElementType type = KvElementType.F16, long id = 42)
    {
        var payload = new byte[2 * tokens * heads * dim * KvFrame.ElementBytes(type)];
        new Random(tokens * 31 + dim).NextBytes(payload);
        return new KvFrame(KvFrameKind.LayerData, id, Layer: 3, HeadStart: 1, HeadCount: heads, TokenStart: 16, TokenCount: tokens, HeadDim: dim, type, payload);
    }

    private static KvFrame ReadOne(byte[] bytes)
    {
        var seq = new ReadOnlySequence<byte>(bytes);
        Assert.True(KvFrameCodec.TryRead(ref seq, out var frame));
        Assert.Equal(0, seq.Length);
        return frame!;
    }

    [Fact]
    public void Frames_round_trip_with_every_field()
    {
        foreach (var original in new[] { Layer(), Layer(1, 1, 1, KvElementType.F32, long.MaxValue), KvFrame.End(7), KvFrame.Abort(-1) })
        {
            var back = ReadOne(KvFrameCodec.Encode(original));
            Assert.Equal(original with { Payload = default }, back with { Payload = default });
            Assert.Equal(original.Payload.ToArray(), back.Payload.ToArray());
        }
    }

    [Fact]
    public void Partial_input_asks_for_more_and_then_reads_the_frame()
    {
        var bytes = KvFrameCodec.Encode(Layer());
        for (int cut = 0; cut < bytes.Length; cut += 7)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(KvFrameCodec.TryRead(ref partial, out _), $"read a frame from {cut} of {bytes.Length} bytes");
        }
        ReadOne(bytes);
    }

    [Fact]
    public void Two_frames_back_to_back_are_read_in_order()
    {
        var a = KvFrameCodec.Encode(Layer(id: 1));
        var b = KvFrameCodec.Encode(KvFrame.End(2));
        var seq = new ReadOnlySequence<byte>([.. a, .. b]);
        Assert.True(KvFrameCodec.TryRead(ref seq, out var first));
        Assert.True(KvFrameCodec.TryRead(ref seq, out var second));
        Assert.Equal(1, first!.RequestId);
        Assert.Equal(KvFrameKind.End, second!.Kind);
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_rejected()
    {
        var bytes = KvFrameCodec.Encode(Layer());
        for (int i = 0; i < bytes.Length; i++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= 0x10;
            var seq = new ReadOnlySequence<byte>(corrupt);
            var error = Assert.Throws<KvFrameException>(() => KvFrameCodec.TryRead(ref seq, out _));
            if (i >= KvFrameCodec.HeaderBytes)
            {
                Assert.Contains("payload checksum", error.Message);
                Assert.Equal(42, error.RequestId); // the header is sound, so the hit request is known
                Assert.Equal(0, seq.Length);        // and the stream can continue after it
            }
        }
    }

    [Fact]
    public void Shape_and_length_disagreement_is_refused_on_both_sides()
    {
        var frame = Layer();
        Assert.Throws<ArgumentException>(() => KvFrameCodec.Encode(frame with { TokenCount = 6 }));
    }

    [Fact]
    public void Hardware_and_software_crc_agree_and_match_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var data = new byte[1000];
        new Random(1).NextBytes(data);
        for (int n = 0; n < 40; n++) Assert.Equal(Crc32C.ComputeSoftware(data.AsSpan(0, n * 25)), Crc32C.Compute(data.AsSpan(0, n * 25)));
    }
}
