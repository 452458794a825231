using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class CpuKernels
{
    /// <summary>gate[i] = silu(gate[i]) · up[i], SwiGLU's elementwise step.</summary>
    public static void SiluMul(float* gate, float* up, int size) => SiluMul(gate, up, size, CpuFeatures.Level);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SiluMul(float* gate, float* up, int size, Level level)
    {
        int i = 0;
        if (level == Level.Avx512)
        {
            for (; i <= size - 16; i += 16)
            {
                var g = Vector512.Load(gate + i);
                (g / (Vector512<float>.One + Vector512.Exp(-g)) * Vector512.Load(up + i)).Store(gate + i);
            }
        }
        else if (level == Level.Avx2)
        {
            for (; i <= size - 8; i += 8)
            {
                var g = Vector256.Load(gate + i);
                (g / (Vector256<float>.One + Vector256.Exp(-g)) * Vector256.Load(up + i)).Store(gate + i);
            }
        }
        if (i < size) ScalarKernels.SiluMul(gate + i, up + i, size - i);
    }
}
