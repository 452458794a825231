using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DequantizeQ8_0(byte* src, float* dst, int count, Level level)
    {
        var blk = (BlockQ8_0*)src;
        for (int b = 0; b < count / 32; b++, dst += 32)
        {
            float d = HalfBits.ToSingle(blk[b].D);
            sbyte* q = blk[b].Qs;
            if (level == Level.Avx512)
            {
                var vd = Vector512.Create(d);
                (Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(q))) * vd).Store(dst);
                (Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16))) * vd).Store(dst + 16);
            }
            else if (level == Level.Avx2)
            {
                var vd = Vector256.Create(d);
                for (int j = 0; j < 32; j += 8)
                    (Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(q + j)) * vd).Store(dst + j);
            }
            else
            {
                for (int j = 0; j < 32; j++) dst[j] = q[j] * d;
            }
        }
    }

    /// <summary>Blocks whose scales are converted together, in registers, before their dot products (stack scratch).</summary>
    private const int ScaleSegment = 64;

    /// <summary>
    /// s[b] = fp16 scale of block b · activation scale b, for count blocks blockBytes apart. Inlined, with no calls:
    /// a call inside the dot loops makes the JIT keep their vector accumulators on the stack (no callee-saved vector
    /// registers on x64), which costs a store-forwarding round trip per block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockScales(byte* firstBlock, int blockBytes, float* xs, float* s, int count, Level level)
    {
        RowScales(firstBlock, blockBytes, s, count, level);
        int b = 0;
        for (; b + 8 <= count; b += 8) (Vector256.Load(s + b) * Vector256.Load(xs + b)).Store(s + b);
        for (; b < count; b++) s[b] *= xs[b];
    }

    /// <summary>
    /// Asks for the next row's cache lines while this one is computed. Rows are contiguous; without this, each row's
    /// scale gather waits on its own misses before any arithmetic starts, and a DRAM-resident GEMV runs at a
    /// fraction of bandwidth.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchNextRow(byte* row, int rowBytes)
    {
        if (!Sse.IsSupported) return;
        byte* next = row + rowBytes;
        for (int offset = 0; offset < rowBytes; offset += 64) Sse.Prefetch0(next + offset);
    }

    /// <summary>
    /// s[b] = the fp16 scale of block b as fp32, for count blocks blockBytes apart. The fp16 fields are gathered 8 at
    /// a time and converted in registers, which keeps the branchy scalar conversion out of the dot loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowScales(byte* firstBlock, int blockBytes, float* s, int count, Level level)
    {
        int b = 0;
        if (level >= Level.Avx2)
        {
            var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * blockBytes;
            var low16 = Vector256.Create(0xFFFFu);
            // Each gather reads 4 bytes at a block start: the scale and the first 2 payload bytes, inside the row.
            for (; b + 8 <= count; b += 8)
                HalfBits.ToSingle(Avx2.GatherVector256((int*)(firstBlock + (long)b * blockBytes), index, 1).AsUInt32() & low16).Store(s + b);
        }
        for (; b < count; b++) s[b] = HalfBits.ToSingle(*(ushort*)(firstBlock + (long)b * blockBytes));
    }

    /// <summary>
    /// Σ w·x of one Q8_0 row against four rows of int8 activations at once (batched decode). Each weight block is
    /// loaded, its magnitude taken and its scale converted once and shared by the four tokens, where calling
    /// <see cref="DotQ8_0"/> per token would repeat all of that. <paramref name="count"/> below 4 repeats the last
    /// token; only the first <paramref name="count"/> results are written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotQ8_0x4(byte* row, float* weightScales, QuantizedActivations xa, int token0, int count, int blocks, float* results)
    {
        var blk = (BlockQ8_0*)row;
        int t1 = token0 + Math.Min(1, count - 1), t2 = token0 + Math.Min(2, count - 1), t3 = token0 + Math.Min(3, count - 1);
        sbyte* x0 = xa.RowValues(token0), x1 = xa.RowValues(t1), x2 = xa.RowValues(t2), x3 = xa.RowValues(t3);
        float* s0 = xa.RowScales(token0), s1 = xa.RowScales(t1), s2 = xa.RowScales(t2), s3 = xa.RowScales(t3);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++)
        {
            var w = Vector256.Load(blk[b].Qs);
            var magnitude = Avx2.Abs(w);
            float ws = weightScales[b];
            int o = b * 32;
            a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(IntDot.UnsignedSigned(magnitude, Avx2.Sign(Vector256.Load(x0 + o), w))), Vector256.Create(ws * s0[b]), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(IntDot.UnsignedSigned(magnitude, Avx2.Sign(Vector256.Load(x1 + o), w))), Vector256.Create(ws * s1[b]), a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(IntDot.UnsignedSigned(magnitude, Avx2.Sign(Vector256.Load(x2 + o), w))), Vector256.Create(ws * s2[b]), a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(IntDot.UnsignedSigned(magnitude, Avx2.Sign(Vector256.Load(x3 + o), w))), Vector256.Create(ws * s3[b]), a3);
        }
        results[0] = Vector256.Sum(a0);
        if (count > 1) results[1] = Vector256.Sum(a1);
        if (count > 2) results[2] = Vector256.Sum(a2);
        if (count > 3) results[3] = Vector256.Sum(a3);
    }

    /// <summary>Σ w·x over one Q8_0 row against one row of int8 activations; exact integer dot per block, then scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotQ8_0(byte* row, QuantizedActivations xa, int token, int blocks, Level level)
    {
        var blk = (BlockQ8_0*)row;
        sbyte* xq = xa.RowValues(token);
        float* xs = xa.RowScales(token);
        if (level == Level.Scalar)
        {
            float total = 0;
            for (int b = 0; b < blocks; b++)
            {
                int isum = 0;
                for (int j = 0; j < 32; j++) isum += blk[b].Qs[j] * xq[b * 32 + j];
                total += isum * HalfBits.ToSingle(blk[b].D) * xs[b];
            }
            return total;
        }
        PrefetchNextRow(row, blocks * sizeof(BlockQ8_0));
        float* s = stackalloc float[ScaleSegment];
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        const int step = 34; // sizeof(BlockQ8_0): the fp16 scale, then 32 codes
        sbyte* w = (sbyte*)row + 2;
        sbyte* x = xq;
        for (int b0 = 0; b0 < blocks; b0 += ScaleSegment)
        {
            int count = Math.Min(ScaleSegment, blocks - b0);
            BlockScales((byte*)(blk + b0), sizeof(BlockQ8_0), xs + b0, s, count, level);
            int b = 0;
            for (; b + 4 <= count; b += 4, w += 4 * step, x += 128)
            {
                var p0 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(w), Vector256.Load(x)));
                var p1 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(w + step), Vector256.Load(x + 32)));
                var p2 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(w + 2 * step), Vector256.Load(x + 64)));
                var p3 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(w + 3 * step), Vector256.Load(x + 96)));
                acc0 = Vector256.FusedMultiplyAdd(p0, Vector256.Create(s[b]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(p1, Vector256.Create(s[b + 1]), acc1);
                acc2 = Vector256.FusedMultiplyAdd(p2, Vector256.Create(s[b + 2]), acc2);
                acc3 = Vector256.FusedMultiplyAdd(p3, Vector256.Create(s[b + 3]), acc3);
            }
            for (; b < count; b++, w += step, x += 32)
            {
                var p = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(w), Vector256.Load(x)));
                acc0 = Vector256.FusedMultiplyAdd(p, Vector256.Create(s[b]), acc0);
            }
        }
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }
}
