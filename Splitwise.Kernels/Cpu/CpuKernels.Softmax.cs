using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class CpuKernels
{
    /// <summary>In-place softmax: exp(x − max) / Σ.</summary>
    public static void Softmax(float* x, int size) => Softmax(x, size, CpuFeatures.Level);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Softmax(float* x, int size, Level level)
    {
        if (level == Level.Scalar || size < 8)
        {
            ScalarKernels.Softmax(x, size);
            return;
        }
        float max = float.NegativeInfinity, sum = 0;
        int i = 0;
        if (level == Level.Avx512 && size >= 16)
        {
            var vmax = Vector512.Create(float.NegativeInfinity);
            for (; i <= size - 16; i += 16) vmax = Vector512.Max(vmax, Vector512.Load(x + i));
            for (int j = 0; j < 16; j++) max = MathF.Max(max, vmax[j]);
            for (; i < size; i++) max = MathF.Max(max, x[i]);
            var m = Vector512.Create(max);
            var vsum = Vector512<float>.Zero;
            for (i = 0; i <= size - 16; i += 16)
            {
                var e = Vector512.Exp(Vector512.Load(x + i) - m);
                e.Store(x + i);
                vsum += e;
            }
            sum = Vector512.Sum(vsum);
        }
        else
        {
            var vmax = Vector256.Create(float.NegativeInfinity);
            for (; i <= size - 8; i += 8) vmax = Vector256.Max(vmax, Vector256.Load(x + i));
            for (int j = 0; j < 8; j++) max = MathF.Max(max, vmax[j]);
            for (; i < size; i++) max = MathF.Max(max, x[i]);
            var m = Vector256.Create(max);
            var vsum = Vector256<float>.Zero;
            for (i = 0; i <= size - 8; i += 8)
            {
                var e = Vector256.Exp(Vector256.Load(x + i) - m);
                e.Store(x + i);
                vsum += e;
            }
            sum = Vector256.Sum(vsum);
        }
        for (; i < size; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        i = 0;
        if (level == Level.Avx512)
            for (var v = Vector512.Create(inv); i <= size - 16; i += 16) (Vector512.Load(x + i) * v).Store(x + i);
        else
            for (var v = Vector256.Create(inv); i <= size - 8; i += 8) (Vector256.Load(x + i) * v).Store(x + i);
        for (; i < size; i++) x[i] *= inv;
    }
}
