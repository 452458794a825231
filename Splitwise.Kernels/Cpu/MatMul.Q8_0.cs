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
    /// s[b] = fp16 scale of block b · activation scale b, for count blocks blockBytes apart. The fp16 fields are
    /// gathered 8 at a time and converted in registers, which keeps the branchy scalar conversion out of the dot loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BlockScales(byte* firstBlock, int blockBytes, float* xs, float* s, int count, Level level)
    {
        int b = 0;
        if (level >= Level.Avx2)
        {
            var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * blockBytes;
            var low16 = Vector256.Create(0xFFFFu);
            // Each gather reads 4 bytes at a block start: the scale and the first 2 payload bytes, inside the row.
            for (; b + 8 <= count; b += 8)
            {
                var raw = Avx2.GatherVector256((int*)(firstBlock + (long)b * blockBytes), index, 1).AsUInt32() & low16;
                (HalfBits.ToSingle(raw) * Vector256.Load(xs + b)).Store(s + b);
            }
        }
        for (; b < count; b++) s[b] = HalfBits.ToSingle(*(ushort*)(firstBlock + (long)b * blockBytes)) * xs[b];
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
        Vector256<float> acc0 = default, acc1 = default;
        for (int b0 = 0; b0 < blocks; b0 += ScaleSegment)
        {
            int count = Math.Min(ScaleSegment, blocks - b0);
            BlockScales((byte*)(blk + b0), sizeof(BlockQ8_0), xs + b0, s, count, level);
            var q = blk + b0;
            sbyte* x = xq + b0 * 32;
            int b = 0;
            for (; b + 1 < count; b += 2)
            {
                var p0 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(q[b].Qs), Vector256.Load(x + b * 32)));
                var p1 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(q[b + 1].Qs), Vector256.Load(x + b * 32 + 32)));
                acc0 = Vector256.FusedMultiplyAdd(p0, Vector256.Create(s[b]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(p1, Vector256.Create(s[b + 1]), acc1);
            }
            if (b < count)
            {
                var p = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(q[b].Qs), Vector256.Load(x + b * 32)));
                acc0 = Vector256.FusedMultiplyAdd(p, Vector256.Create(s[b]), acc0);
            }
        }
        return Vector256.Sum(acc0 + acc1);
    }
}
