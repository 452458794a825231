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

    /// <summary>Σ w·x over one Q8_0 row against one row of int8 activations; exact integer dot per block, then scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotQ8_0(byte* row, QuantizedActivations xa, int token, int blocks, Level level)
    {
        var blk = (BlockQ8_0*)row;
        sbyte* xq = xa.RowValues(token);
        float* xs = xa.RowScales(token);
        if (level == Level.Avx512)
        {
            // Two blocks per 512-bit register; lanes 0..7 hold block b's partial sums, 8..15 block b+1's.
            Vector512<float> acc0 = default, acc1 = default;
            int b = 0;
            for (; b + 3 < blocks; b += 4)
            {
                var w0 = Vector512.Create(Vector256.Load(blk[b].Qs), Vector256.Load(blk[b + 1].Qs));
                var w1 = Vector512.Create(Vector256.Load(blk[b + 2].Qs), Vector256.Load(blk[b + 3].Qs));
                var p0 = Vector512.ConvertToSingle(IntDot.Signed(w0, Vector512.Load(xq + b * 32)));
                var p1 = Vector512.ConvertToSingle(IntDot.Signed(w1, Vector512.Load(xq + b * 32 + 64)));
                var s0 = Vector512.Create(Vector256.Create(HalfBits.ToSingle(blk[b].D) * xs[b]), Vector256.Create(HalfBits.ToSingle(blk[b + 1].D) * xs[b + 1]));
                var s1 = Vector512.Create(Vector256.Create(HalfBits.ToSingle(blk[b + 2].D) * xs[b + 2]), Vector256.Create(HalfBits.ToSingle(blk[b + 3].D) * xs[b + 3]));
                acc0 = Vector512.FusedMultiplyAdd(p0, s0, acc0);
                acc1 = Vector512.FusedMultiplyAdd(p1, s1, acc1);
            }
            var acc = Vector256.Create(0f);
            for (; b < blocks; b++)
            {
                var p = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(blk[b].Qs), Vector256.Load(xq + b * 32)));
                acc = Vector256.FusedMultiplyAdd(p, Vector256.Create(HalfBits.ToSingle(blk[b].D) * xs[b]), acc);
            }
            return Vector512.Sum(acc0 + acc1) + Vector256.Sum(acc);
        }
        if (level == Level.Avx2)
        {
            Vector256<float> acc0 = default, acc1 = default;
            int b = 0;
            for (; b + 1 < blocks; b += 2)
            {
                var p0 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(blk[b].Qs), Vector256.Load(xq + b * 32)));
                var p1 = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(blk[b + 1].Qs), Vector256.Load(xq + b * 32 + 32)));
                acc0 = Vector256.FusedMultiplyAdd(p0, Vector256.Create(HalfBits.ToSingle(blk[b].D) * xs[b]), acc0);
                acc1 = Vector256.FusedMultiplyAdd(p1, Vector256.Create(HalfBits.ToSingle(blk[b + 1].D) * xs[b + 1]), acc1);
            }
            for (; b < blocks; b++)
            {
                var p = Vector256.ConvertToSingle(IntDot.Signed(Vector256.Load(blk[b].Qs), Vector256.Load(xq + b * 32)));
                acc0 = Vector256.FusedMultiplyAdd(p, Vector256.Create(HalfBits.ToSingle(blk[b].D) * xs[b]), acc0);
            }
            return Vector256.Sum(acc0 + acc1);
        }
        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            int isum = 0;
            for (int j = 0; j < 32; j++) isum += blk[b].Qs[j] * xq[b * 32 + j];
            sum += isum * HalfBits.ToSingle(blk[b].D) * xs[b];
        }
        return sum;
    }
}
