using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DequantizeQ4_0(byte* src, float* dst, int count, Level level)
    {
        var blk = (BlockQ4_0*)src;
        for (int b = 0; b < count / 32; b++, dst += 32)
        {
            float d = HalfBits.ToSingle(blk[b].D);
            byte* q = blk[b].Qs;
            if (level >= Level.Avx2)
            {
                var v = Vector128.Load(q);
                StoreBytesAsFloats(v & Vector128.Create((byte)0x0F), dst, d, -8 * d, level);
                StoreBytesAsFloats(Vector128.ShiftRightLogical(v, 4), dst + 16, d, -8 * d, level);
            }
            else
            {
                for (int j = 0; j < 16; j++)
                {
                    dst[j] = ((q[j] & 0xF) - 8) * d;
                    dst[j + 16] = ((q[j] >> 4) - 8) * d;
                }
            }
        }
    }

    /// <summary>dst[j] = v[j]·scale + offset for 16 unsigned bytes, fused so (q − 8)·d rounds once, like the reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreBytesAsFloats(Vector128<byte> v, float* dst, float scale, float offset, Level level)
    {
        if (level == Level.Avx512)
        {
            var f = Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(v));
            Vector512.FusedMultiplyAdd(f, Vector512.Create(scale), Vector512.Create(offset)).Store(dst);
        }
        else
        {
            var lo = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(v));
            var hi = Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(v, 8)));
            Vector256.FusedMultiplyAdd(lo, Vector256.Create(scale), Vector256.Create(offset)).Store(dst);
            Vector256.FusedMultiplyAdd(hi, Vector256.Create(scale), Vector256.Create(offset)).Store(dst + 8);
        }
    }

    /// <summary>
    /// Σ w·x over one Q4_0 row: the nibbles q (0..15) go unsigned into the byte dot, and the −8 offset comes back as
    /// −8·Σx per block from the activation block sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotQ4_0(byte* row, QuantizedActivations xa, int token, int blocks, Level level)
    {
        var blk = (BlockQ4_0*)row;
        sbyte* xq = xa.RowValues(token);
        float* xs = xa.RowScales(token);
        int* sums = xa.RowSums(token);
        if (level == Level.Scalar)
        {
            float total = 0;
            for (int b = 0; b < blocks; b++)
            {
                int isum = 0;
                for (int j = 0; j < 16; j++)
                    isum += ((blk[b].Qs[j] & 0xF) - 8) * xq[b * 32 + j] + ((blk[b].Qs[j] >> 4) - 8) * xq[b * 32 + j + 16];
                total += isum * HalfBits.ToSingle(blk[b].D) * xs[b];
            }
            return total;
        }
        PrefetchNextRow(row, blocks * sizeof(BlockQ4_0));
        float* s = stackalloc float[ScaleSegment];
        Vector256<float> acc0 = default, acc1 = default;
        var mask = Vector256.Create((byte)0x0F);
        float offsetSum = 0;
        for (int b0 = 0; b0 < blocks; b0 += ScaleSegment)
        {
            int count = Math.Min(ScaleSegment, blocks - b0);
            BlockScales((byte*)(blk + b0), sizeof(BlockQ4_0), xs + b0, s, count, level);
            var q = blk + b0;
            sbyte* x = xq + b0 * 32;
            for (int b = 0; b < count; b++)
            {
                var v = Vector128.Load(q[b].Qs);
                var u = Vector256.Create(v, Vector128.ShiftRightLogical(v, 4)) & mask;
                var p = Vector256.ConvertToSingle(IntDot.UnsignedSigned(u, Vector256.Load(x + b * 32)));
                if ((b & 1) == 0) acc0 = Vector256.FusedMultiplyAdd(p, Vector256.Create(s[b]), acc0);
                else acc1 = Vector256.FusedMultiplyAdd(p, Vector256.Create(s[b]), acc1);
                offsetSum += s[b] * sums[b0 + b];
            }
        }
        return Vector256.Sum(acc0 + acc1) - 8 * offsetSum;
    }
}
