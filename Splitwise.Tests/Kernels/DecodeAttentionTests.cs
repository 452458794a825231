using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Native;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The native decode attention (chunks of KV blocks with every KV head, merged per sequence) against the full-softmax
/// reference: head sizes of one to sixteen vectors (16, 64 and 128 take the kernel's constant-size copies, 48 and 256
/// the general one), groups of 1 to 8 (one and two sets of up to four heads in the score and value passes), fp32 and
/// fp16 KV, contexts that end inside and on a block, batches of sequences of different lengths through shuffled block
/// tables, and pools of 1 to 3 threads (so a sequence is one chunk or several, and chunks split it unevenly).
/// Tolerance: 1e-5 absolute + 1e-4 relative, as the managed kernel's (fp32 sums in another order).
/// </summary>
public sealed unsafe class DecodeAttentionTests
{
    public static TheoryData<int, int, int, bool, int[], int> Cases()
    {
        var rows = new TheoryData<int, int, int, bool, int[], int>();
        foreach (var (d, kvHeads, group) in new[] { (64, 4, 3), (16, 2, 1), (128, 2, 5), (48, 1, 8), (256, 1, 2), (64, 3, 4) })
            foreach (var contexts in new[] { new[] { 1 }, new[] { 17 }, new[] { 513 }, new[] { 1100, 3, 129 }, new[] { 2049, 16 } })
                foreach (var f16 in new[] { false, true })
                    foreach (var threads in new[] { 1, 2, 3 })
                        rows.Add(d, kvHeads, group, f16, contexts, threads);
        return rows;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Matches_full_softmax_reference(int headDim, int kvHeads, int group, bool f16, int[] contexts, int threads)
    {
        if (NativeKernels.AttendDecode == null) return; // Loads_wherever_the_fp16_gemv_does fails where it should be loaded.
        using var pool = new WorkerPool(threads);
        Check(headDim, kvHeads, group, f16, contexts, pool);
    }

    /// <summary>A batch long enough that <see cref="DecodeAttention.MaxChunkTiles"/> splits its sequences even with work for every thread.</summary>
    [Fact]
    public void Splits_sequences_longer_than_the_chunk_limit()
    {
        if (NativeKernels.AttendDecode == null) return;
        using var pool = new WorkerPool(2);
        int past = DecodeAttention.MaxChunkTiles * 16 + 5;
        Check(64, 2, 3, f16: true, [past, past, past, past, past], pool);
    }

    /// <summary>
    /// The kernel computes scores for whole 16-slot tiles and masks the slots past the context: whatever those slots
    /// hold (here NaN, which would poison any sum it reached) must not reach the output.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ignores_what_the_slots_past_the_context_hold(bool f16)
    {
        if (NativeKernels.AttendDecode == null) return;
        using var pool = new WorkerPool(2);
        Check(64, 2, 3, f16, [37, 5, 250], pool, poisonTail: true);
    }

    /// <summary>The kernel ships in the same library as the fp16 GEMV: where that loads, this must too.</summary>
    [Fact]
    public void Loads_wherever_the_fp16_gemv_does()
        => Assert.Equal(NativeKernels.F16Available, NativeKernels.AttendDecode != null);

    [Fact]
    public void Takes_only_layouts_the_kernel_handles()
    {
        if (NativeKernels.AttendDecode == null) return;
        Assert.True(DecodeAttention.Supports(new PagedKvView(null, null, 4, 64, 16, f16: true)));
        Assert.False(DecodeAttention.Supports(new PagedKvView(null, null, 4, 8, 16, f16: false)));   // not whole vectors (stories260k)
        Assert.False(DecodeAttention.Supports(new PagedKvView(null, null, 4, 64, 8, f16: false)));   // 8-slot blocks
        Assert.False(DecodeAttention.Supports(new PagedKvView(null, null, 4, 272, 16, f16: false))); // past 256
    }

    [Fact]
    public void A_block_table_too_short_for_its_context_is_refused()
    {
        if (NativeKernels.AttendDecode == null) return;
        using var pool = new WorkerPool(1);
        using var attention = new DecodeAttention();
        var kv = new PagedKvView((byte*)16, (byte*)16, 1, 16, 16, f16: false);
        float* q = stackalloc float[16];
        var error = Assert.Throws<ArgumentException>(() => attention.Run(q, 16, [40], [new[] { 0, 1 }], kv, 1, 1f, q, pool));
        Assert.Contains("need 3 blocks", error.Message);
    }

    private static void Check(int headDim, int kvHeads, int group, bool f16, int[] contexts, WorkerPool pool, bool poisonTail = false)
    {
        var random = new Random(headDim * 1000 + kvHeads * 100 + group * 10 + contexts.Length);
        int blocks = contexts.Sum(c => (c + 15) / 16);
        // Every sequence's blocks shuffled among all, plus a spare, so a read outside a table would show up as a wrong result.
        var physical = Enumerable.Range(0, blocks + 1).OrderBy(_ => random.Next()).ToArray();
        var tables = new int[contexts.Length][];
        for (int t = 0, next = 0; t < contexts.Length; t++)
        {
            tables[t] = physical[next..(next + (contexts[t] + 15) / 16)];
            next += tables[t].Length;
        }
        long elements = (long)(blocks + 1) * kvHeads * 16 * headDim;
        int elementBytes = f16 ? 2 : 4;
        var keys = new byte[elements * elementBytes];
        var values = new byte[elements * elementBytes];
        PagedAttentionTests.Fill(keys, f16, random);
        PagedAttentionTests.Fill(values, f16, random);
        if (poisonTail)
            for (int t = 0; t < contexts.Length; t++)
                for (int slot = contexts[t] % 16; slot is > 0 and < 16; slot++)
                    for (int kvHead = 0; kvHead < kvHeads; kvHead++)
                    {
                        long first = (((long)tables[t][^1] * kvHeads + kvHead) * 16 + slot) * headDim;
                        for (long i = first; i < first + headDim; i++)
                        {
                            if (f16) { SetHalf(keys, i, Half.NaN); SetHalf(values, i, Half.NaN); }
                            else { SetSingle(keys, i, float.NaN); SetSingle(values, i, float.NaN); }
                        }
                    }
        int heads = kvHeads * group, queryStride = heads * headDim + 3; // a stride wider than the heads, as in a real [T, QueryDim] buffer
        var query = Enumerable.Range(0, contexts.Length * queryStride).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var output = new float[query.Length];
        var expected = new float[group * headDim];
        float scale = 1f / MathF.Sqrt(headDim);

        using var attention = new DecodeAttention();
        fixed (byte* k = keys, v = values)
        fixed (float* q = query, o = output, e = expected)
        {
            var kv = new PagedKvView(k, v, kvHeads, headDim, 16, f16);
            Assert.True(DecodeAttention.Supports(kv));
            // Twice: the second run reuses the first one's chunk plan and partial buffers.
            for (int pass = 0; pass < 2; pass++)
            {
                Array.Clear(output);
                attention.Run(q, queryStride, contexts, tables, kv, group, scale, o, pool);
                for (int t = 0; t < contexts.Length; t++)
                    for (int kvHead = 0; kvHead < kvHeads; kvHead++)
                    {
                        long at = (long)t * queryStride + kvHead * group * headDim;
                        ScalarAttention.Attend(q + at, group, kvHead, kv, tables[t], contexts[t], scale, e);
                        for (int j = 0; j < group * headDim; j++)
                        {
                            float got = o[at + j];
                            Assert.True(Math.Abs(got - e[j]) <= 1e-5f + 1e-4f * Math.Abs(e[j]),
                                $"d={headDim} kv={kvHeads}×{group} f16={f16} threads={pool.ThreadCount} pass {pass}: token {t} (context {contexts[t]}) KV head {kvHead} element {j}: {got} vs {e[j]}");
                        }
                    }
            }
        }
    }

    private static void SetHalf(byte[] buffer, long index, Half value) => BitConverter.TryWriteBytes(buffer.AsSpan((int)(index * 2), 2), value);
    private static void SetSingle(byte[] buffer, long index, float value) => BitConverter.TryWriteBytes(buffer.AsSpan((int)(index * 4), 4), value);
}
