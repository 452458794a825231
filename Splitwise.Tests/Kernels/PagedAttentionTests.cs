using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The tiled online-softmax kernel against the full-softmax reference, over head sizes that do and do not fill a
/// vector, block sizes with and without a vector path, partial last blocks, GQA groups, runs of several query
/// tokens, and fp16 K/V, at every SIMD level (16-slot blocks with head sizes of whole vectors take the AVX-512 path:
/// register transpose, four heads scored per pass, vector exp; group sizes 1..4 and runs fill those four partly; in
/// decode, head sizes 16/32/48/64/128 cover each count of query registers the direct path keeps; decode contexts past
/// 1024 positions take two and three spans, and groups of 5 and 8 two sets of heads).
/// Tolerance: 1e-5 absolute + 1e-4 relative (fp32 summation order differs).
/// </summary>
public unsafe class PagedAttentionTests
{
    public static TheoryData<int, int, int, int, int, bool, Level> Cases()
    {
        var rows = new TheoryData<int, int, int, int, int, bool, Level>();
        foreach (var level in MatMulTests.Levels())
            foreach (var (d, bs) in new[] { (8, 16), (64, 16), (128, 16), (16, 16), (32, 16), (48, 16), (6, 16), (64, 8), (24, 7), (3, 1) })
                foreach (var (ctx, run, group) in new[] { (1, 1, 1), (15, 1, 2), (16, 3, 4), (17, 1, 1), (100, 8, 2), (37, 5, 3), (513, 1, 3), (40, 1, 4), (1100, 1, 5), (2049, 1, 8) })
                    foreach (var f16 in new[] { false, true })
                        rows.Add(d, bs, ctx, run, group, f16, level);
        return rows;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Matches_full_softmax_reference(int headDim, int blockSize, int lastContext, int run, int group, bool f16, Level level)
        => Check(headDim, blockSize, lastContext, run, group, f16, level, nativeF16: true);

    /// <summary>fp16 decode with the managed widening (in registers) instead of the native one, which is the default where it loads.</summary>
    [Theory]
    [InlineData(64, 17, 3)]
    [InlineData(64, 513, 4)]
    [InlineData(48, 1100, 5)]
    [InlineData(128, 40, 1)]
    public void Fp16_decode_without_the_native_widening_matches_the_reference(int headDim, int context, int group)
    {
        if (CpuFeatures.Level < Level.Avx512) return; // the decode path is AVX-512 only; other levels run the tiled path above
        Check(headDim, 16, context, 1, group, f16: true, Level.Avx512, nativeF16: false);
    }

    private static void Check(int headDim, int blockSize, int lastContext, int run, int group, bool f16, Level level, bool nativeF16)
    {
        const int kvHeads = 2, kvHead = 1;
        int firstContext = Math.Max(1, lastContext - run + 1);
        run = lastContext - firstContext + 1;
        int blocks = (lastContext + blockSize - 1) / blockSize;
        var random = new Random(headDim * 1000 + lastContext * 10 + group);
        // Shuffled physical blocks, plus a spare so reads outside the table would show up as wrong results.
        int[] table = Enumerable.Range(0, blocks + 1).OrderBy(_ => random.Next()).Take(blocks).ToArray();
        long elements = (long)(blocks + 1) * kvHeads * blockSize * headDim;
        int elementBytes = f16 ? 2 : 4;
        var keys = new byte[elements * elementBytes];
        var values = new byte[elements * elementBytes];
        Fill(keys, f16, random);
        Fill(values, f16, random);
        int queryStride = group * headDim + 5; // a stride wider than the group, as in a real [T, Heads·HeadDim] buffer
        var query = Enumerable.Range(0, run * queryStride).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var output = new float[run * queryStride];
        var expected = new float[group * headDim];
        float scale = 1f / MathF.Sqrt(headDim);

        fixed (byte* k = keys, v = values)
        fixed (float* q = query, o = output, e = expected)
        {
            var kv = new PagedKvView(k, v, kvHeads, headDim, blockSize, f16);
            var scratch = new float[PagedAttention.ScratchFloats(run, group, headDim, blockSize)];
            fixed (float* s = scratch)
                PagedAttention.Attend(q, queryStride, run, group, kvHead, kv, table, firstContext, scale, o, s, level, nativeF16);
            for (int i = 0; i < run; i++)
            {
                ScalarAttention.Attend(q + i * queryStride, group, kvHead, kv, table, firstContext + i, scale, e);
                for (int j = 0; j < group * headDim; j++)
                {
                    float got = o[i * queryStride + j];
                    Assert.True(Math.Abs(got - e[j]) <= 1e-5f + 1e-4f * Math.Abs(e[j]),
                        $"attention {level} d={headDim} bs={blockSize} ctx={firstContext + i} group={group} f16={f16}: token {i} element {j}: {got} vs {e[j]}");
                }
            }
        }
    }

    /// <summary>Random K or V elements in [-2, 2), fp16 or fp32 (also <see cref="DecodeAttentionTests"/>' cache).</summary>
    internal static void Fill(byte[] buffer, bool f16, Random random)
    {
        fixed (byte* p = buffer)
        {
            if (f16) for (int i = 0; i < buffer.Length / 2; i++) ((Half*)p)[i] = (Half)(random.NextDouble() * 4 - 2);
            else for (int i = 0; i < buffer.Length / 4; i++) ((float*)p)[i] = (float)(random.NextDouble() * 4 - 2);
        }
    }
}
