using System.Runtime.CompilerServices;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DequantizeF32(byte* src, float* dst, int count)
        => Buffer.MemoryCopy(src, dst, (long)count * sizeof(float), (long)count * sizeof(float));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    private static float DotF32(byte* row, float* x, int count, Level level) => CpuKernels.Dot((float*)row, x, count, level);
}
