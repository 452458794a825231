using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Quant;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DequantizeF16(byte* src, float* dst, int count, Level level)
    {
        var h = (ushort*)src;
        int i = 0;
        if (level == Level.Avx512)
            for (; i <= count - 16; i += 16) HalfBits.Load16(h + i).Store(dst + i);
        else if (level == Level.Avx2)
            for (; i <= count - 8; i += 8) HalfBits.Load8(h + i).Store(dst + i);
        for (; i < count; i++) dst[i] = HalfBits.ToSingle(h[i]);
    }

    /// <summary>Converts half→float in registers and multiplies straight away: the row is read from memory once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotF16(byte* row, float* x, int count, Level level)
    {
        var h = (ushort*)row;
        int i = 0;
        float sum = 0;
        if (level == Level.Avx512 && count >= 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= count - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(HalfBits.Load16(h + i), Vector512.Load(x + i), s0);
                s1 = Vector512.FusedMultiplyAdd(HalfBits.Load16(h + i + 16), Vector512.Load(x + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(HalfBits.Load16(h + i + 32), Vector512.Load(x + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(HalfBits.Load16(h + i + 48), Vector512.Load(x + i + 48), s3);
            }
            for (; i <= count - 16; i += 16)
                s0 = Vector512.FusedMultiplyAdd(HalfBits.Load16(h + i), Vector512.Load(x + i), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (level >= Level.Avx2 && count >= 8)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= count - 32; i += 32)
            {
                s0 = Vector256.FusedMultiplyAdd(HalfBits.Load8(h + i), Vector256.Load(x + i), s0);
                s1 = Vector256.FusedMultiplyAdd(HalfBits.Load8(h + i + 8), Vector256.Load(x + i + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(HalfBits.Load8(h + i + 16), Vector256.Load(x + i + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(HalfBits.Load8(h + i + 24), Vector256.Load(x + i + 24), s3);
            }
            for (; i <= count - 8; i += 8)
                s0 = Vector256.FusedMultiplyAdd(HalfBits.Load8(h + i), Vector256.Load(x + i), s0);
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < count; i++) sum += HalfBits.ToSingle(h[i]) * x[i];
        return sum;
    }
}
