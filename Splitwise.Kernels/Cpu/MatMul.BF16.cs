using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    // bf16 is the top half of an fp32, so widening and shifting left by 16 is exact.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadBF16x16(ushort* p) => (Avx512F.ConvertToVector512UInt32(Vector256.Load(p)) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadBF16x8(ushort* p) => (Avx2.ConvertToVector256Int32(p) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BF16ToSingle(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    private static void DequantizeBF16(byte* src, float* dst, int count, Level level)
    {
        var h = (ushort*)src;
        int i = 0;
        if (level == Level.Avx512)
            for (; i <= count - 16; i += 16) LoadBF16x16(h + i).Store(dst + i);
        else if (level == Level.Avx2)
            for (; i <= count - 8; i += 8) LoadBF16x8(h + i).Store(dst + i);
        for (; i < count; i++) dst[i] = BF16ToSingle(h[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    private static float DotBF16(byte* row, float* x, int count, Level level)
    {
        var h = (ushort*)row;
        int i = 0;
        float sum = 0;
        if (level == Level.Avx512 && count >= 16)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= count - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(LoadBF16x16(h + i), Vector512.Load(x + i), s0);
                s1 = Vector512.FusedMultiplyAdd(LoadBF16x16(h + i + 16), Vector512.Load(x + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(LoadBF16x16(h + i + 32), Vector512.Load(x + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(LoadBF16x16(h + i + 48), Vector512.Load(x + i + 48), s3);
            }
            for (; i <= count - 16; i += 16)
                s0 = Vector512.FusedMultiplyAdd(LoadBF16x16(h + i), Vector512.Load(x + i), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (level >= Level.Avx2 && count >= 8)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= count - 32; i += 32)
            {
                s0 = Vector256.FusedMultiplyAdd(LoadBF16x8(h + i), Vector256.Load(x + i), s0);
                s1 = Vector256.FusedMultiplyAdd(LoadBF16x8(h + i + 8), Vector256.Load(x + i + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(LoadBF16x8(h + i + 16), Vector256.Load(x + i + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(LoadBF16x8(h + i + 24), Vector256.Load(x + i + 24), s3);
            }
            for (; i <= count - 8; i += 8)
                s0 = Vector256.FusedMultiplyAdd(LoadBF16x8(h + i), Vector256.Load(x + i), s0);
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < count; i++) sum += BF16ToSingle(h[i]) * x[i];
        return sum;
    }
}
