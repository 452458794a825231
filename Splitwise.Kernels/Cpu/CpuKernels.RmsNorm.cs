using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

/// <summary>Vectorized versions of <see cref="ScalarKernels"/>' operations, same signatures and semantics.</summary>
public static unsafe partial class CpuKernels
{
    /// <summary>output = x / sqrt(mean(x²) + eps) · weight. output may alias x.</summary>
    public static void RmsNorm(float* x, float* weight, float* output, int size, float eps)
        => RmsNorm(x, weight, output, size, eps, CpuFeatures.Level);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RmsNorm(float* x, float* weight, float* output, int size, float eps, Level level)
    {
        if (level == Level.Scalar)
        {
            ScalarKernels.RmsNorm(x, weight, output, size, eps);
            return;
        }
        float scale = 1f / MathF.Sqrt(Dot(x, x, size, level) / size + eps);
        int i = 0;
        if (level == Level.Avx512)
        {
            var s = Vector512.Create(scale);
            for (; i <= size - 16; i += 16)
                (Vector512.Load(x + i) * s * Vector512.Load(weight + i)).Store(output + i);
        }
        else
        {
            var s = Vector256.Create(scale);
            for (; i <= size - 8; i += 8)
                (Vector256.Load(x + i) * s * Vector256.Load(weight + i)).Store(output + i);
        }
        for (; i < size; i++) output[i] = x[i] * scale * weight[i];
    }
}
