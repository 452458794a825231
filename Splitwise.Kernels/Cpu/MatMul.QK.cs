using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    // The K-quants go through fp32: rows are dequantized in registers (into L1 scratch for decode, into packed
    // panels for prefill) and multiplied in fp32, so they share the F32 GEMM micro-kernel.

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    private static void DequantizeQ4K(byte* src, float* dst, int count, Level level)
    {
        if (level == Level.Scalar)
        {
            ScalarKernels.Dequantize(WeightType.Q4_K, src, dst, count);
            return;
        }
        var blk = (BlockQ4K*)src;
        var low = Vector128.Create((byte)0x0F);
        for (int b = 0; b < count / 256; b++, dst += 256)
        {
            float d = HalfBits.ToSingle(blk[b].D), dmin = HalfBits.ToSingle(blk[b].DMin);
            byte* scales = blk[b].Scales;
            byte* q = blk[b].Qs;
            for (int g = 0; g < 4; g++)
            {
                ScalarKernels.Q4KScaleMin(2 * g, scales, out int sc1, out int m1);
                ScalarKernels.Q4KScaleMin(2 * g + 1, scales, out int sc2, out int m2);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                for (int h = 0; h < 32; h += 16)
                {
                    var v = Vector128.Load(q + 32 * g + h);
                    StoreBytesAsFloats(v & low, dst + 64 * g + h, d1, -min1, level);
                    StoreBytesAsFloats(Vector128.ShiftRightLogical(v, 4), dst + 64 * g + 32 + h, d2, -min2, level);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    private static void DequantizeQ6K(byte* src, float* dst, int count, Level level)
    {
        if (level == Level.Scalar)
        {
            ScalarKernels.Dequantize(WeightType.Q6_K, src, dst, count);
            return;
        }
        var blk = (BlockQ6K*)src;
        var low = Vector128.Create((byte)0x0F);
        var two = Vector128.Create((byte)0x03);
        for (int b = 0; b < count / 256; b++, dst += 256)
        {
            float d = HalfBits.ToSingle(blk[b].D);
            for (int n = 0; n < 2; n++)
            {
                byte* ql = blk[b].Ql + 64 * n;
                byte* qh = blk[b].Qh + 32 * n;
                sbyte* sc = blk[b].Scales + 8 * n;
                float* y = dst + 128 * n;
                for (int l = 0; l < 32; l += 16)
                {
                    int s = l / 16;
                    var a = Vector128.Load(ql + l);
                    var c = Vector128.Load(ql + 32 + l);
                    var h = Vector128.Load(qh + l);
                    var q1 = (a & low) | Vector128.ShiftLeft(h & two, 4);
                    var q2 = (c & low) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 2) & two, 4);
                    var q3 = Vector128.ShiftRightLogical(a, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 4) & two, 4);
                    var q4 = Vector128.ShiftRightLogical(c, 4) | Vector128.ShiftLeft(Vector128.ShiftRightLogical(h, 6), 4);
                    float d1 = d * sc[s], d2 = d * sc[s + 2], d3 = d * sc[s + 4], d4 = d * sc[s + 6];
                    StoreBytesAsFloats(q1, y + l, d1, -32 * d1, level);
                    StoreBytesAsFloats(q2, y + l + 32, d2, -32 * d2, level);
                    StoreBytesAsFloats(q3, y + l + 64, d3, -32 * d3, level);
                    StoreBytesAsFloats(q4, y + l + 96, d4, -32 * d4, level);
                }
            }
        }
    }
}
