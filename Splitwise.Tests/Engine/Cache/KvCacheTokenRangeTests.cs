using Splitwise.Engine.Cache;
using Splitwise.Engine.Config;

namespace Splitwise.Tests.Engine.Cache;

/// <summary>
/// The transfer layout of a token range (K then V, each [token][head][dim]) read out of and written into scattered
/// blocks, checked element by element against a value formula, for both element types.
/// </summary>
public unsafe class KvCacheTokenRangeTests
{
    private static readonly ModelConfig Shape = new()
    {
        Architecture = "llama", HiddenSize = 24, IntermediateSize = 32, LayerCount = 3, HeadCount = 6, KvHeadCount = 3,
        HeadDim = 4, VocabSize = 16, MaxPositionEmbeddings = 128,
    };

    private const int BlockSize = 8;

    private static float Value(int layer, int token, int head, int dim, bool isValue)
        => layer * 100 + token + head * 0.25f + dim * 0.0625f + (isValue ? 50 : 0);

    /// <summary>Writes the formula's K and V for tokens [0, count) of every layer through <paramref name="table"/>.</summary>
    private static void Fill(KvCache cache, int[] table, int count, Func<int, int, int, int, bool, float> value)
    {
        var k = new float[Shape.KvHeadCount * Shape.HeadDim];
        var v = new float[k.Length];
        for (int layer = 0; layer < Shape.LayerCount; layer++)
            for (int t = 0; t < count; t++)
            {
                for (int h = 0; h < Shape.KvHeadCount; h++)
                    for (int d = 0; d < Shape.HeadDim; d++)
                    {
                        k[h * Shape.HeadDim + d] = value(layer, t, h, d, false);
                        v[h * Shape.HeadDim + d] = value(layer, t, h, d, true);
                    }
                fixed (float* kp = k, vp = v) cache.Write(layer, table[t / BlockSize], t % BlockSize, kp, vp);
            }
    }

    private static float Element(ReadOnlySpan<byte> payload, KvDataType type, long index)
        => type == KvDataType.F16 ? (float)BitConverter.ToHalf(payload[(int)(index * 2)..]) : BitConverter.ToSingle(payload[(int)(index * 4)..]);

    private static float Stored(float x, KvDataType type) => type == KvDataType.F16 ? (float)(Half)x : x;

    [Theory]
    [InlineData(KvDataType.F32, 5, 13, 0, 3)]  // crosses from block 0 into block 1, all heads
    [InlineData(KvDataType.F32, 7, 17, 1, 2)]  // starts one short of a boundary, spans three blocks, a head range
    [InlineData(KvDataType.F16, 0, 29, 0, 3)]  // the whole sequence, ending mid-block
    [InlineData(KvDataType.F16, 15, 1, 2, 1)]  // one token, one head, the last slot of a block
    public void A_token_range_is_copied_out_in_transfer_layout(KvDataType type, int start, int count, int headStart, int headCount)
    {
        using var cache = new KvCache(Shape, 10, BlockSize, type);
        int[] table = [7, 2, 9, 0];
        Fill(cache, table, 29, Value);
        for (int layer = 0; layer < Shape.LayerCount; layer++)
        {
            var payload = new byte[cache.TokenRangeBytes(count, headCount)];
            cache.CopyTokensOut(layer, table, start, count, headStart, headCount, payload);
            long half = (long)count * headCount * Shape.HeadDim;
            for (int t = 0; t < count; t++)
                for (int h = 0; h < headCount; h++)
                    for (int d = 0; d < Shape.HeadDim; d++)
                    {
                        long i = ((long)t * headCount + h) * Shape.HeadDim + d;
                        Assert.Equal(Stored(Value(layer, start + t, headStart + h, d, false), type), Element(payload, type, i));
                        Assert.Equal(Stored(Value(layer, start + t, headStart + h, d, true), type), Element(payload, type, half + i));
                    }
        }
    }

    [Theory]
    [InlineData(KvDataType.F32)]
    [InlineData(KvDataType.F16)]
    public void A_payload_written_in_lands_in_its_range_only(KvDataType type)
    {
        using var source = new KvCache(Shape, 10, BlockSize, type);
        using var target = new KvCache(Shape, 10, BlockSize, type);
        int[] sourceTable = [1, 3, 5, 7];
        int[] targetTable = [8, 0, 6, 4];
        Fill(source, sourceTable, 30, Value);
        Fill(target, targetTable, 30, (_, _, _, _, _) => -1);

        const int start = 6, count = 19, headStart = 1, headCount = 2;
        for (int layer = 0; layer < Shape.LayerCount; layer++)
        {
            var payload = new byte[source.TokenRangeBytes(count, headCount)];
            source.CopyTokensOut(layer, sourceTable, start, count, headStart, headCount, payload);
            target.CopyTokensIn(layer, targetTable, start, count, headStart, headCount, payload);
        }

        for (int layer = 0; layer < Shape.LayerCount; layer++)
        {
            var all = new byte[target.TokenRangeBytes(30, Shape.KvHeadCount)];
            target.CopyTokensOut(layer, targetTable, 0, 30, 0, Shape.KvHeadCount, all);
            long half = 30L * Shape.KvHeadCount * Shape.HeadDim;
            for (int t = 0; t < 30; t++)
                for (int h = 0; h < Shape.KvHeadCount; h++)
                    for (int d = 0; d < Shape.HeadDim; d++)
                    {
                        bool inside = t >= start && t < start + count && h >= headStart && h < headStart + headCount;
                        long i = ((long)t * Shape.KvHeadCount + h) * Shape.HeadDim + d;
                        Assert.Equal(inside ? Stored(Value(layer, t, h, d, false), type) : -1, Element(all, type, i));
                        Assert.Equal(inside ? Stored(Value(layer, t, h, d, true), type) : -1, Element(all, type, half + i));
                    }
        }
    }

    [Fact]
    public void Ranges_past_the_block_table_or_the_heads_and_wrong_buffer_sizes_are_refused()
    {
        using var cache = new KvCache(Shape, 4, BlockSize, KvDataType.F32);
        var buffer = new byte[cache.TokenRangeBytes(9, 3)];
        Assert.Contains("block table", Assert.Throws<ArgumentException>(() => cache.CopyTokensOut(0, [0], 0, 9, 0, 3, buffer)).Message);
        Assert.Throws<ArgumentException>(() => cache.CopyTokensOut(0, [0, 4], 0, 9, 0, 3, buffer)); // block 4 of 4
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyTokensOut(0, [0, 1], 0, 9, 1, 3, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyTokensOut(3, [0, 1], 0, 9, 0, 3, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyTokensIn(0, [0, 1], -1, 9, 0, 3, buffer));
        Assert.Contains("bytes", Assert.Throws<ArgumentException>(() => cache.CopyTokensIn(0, [0, 1], 0, 8, 0, 3, buffer)).Message);
    }
}
