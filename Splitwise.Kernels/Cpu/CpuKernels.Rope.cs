using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Reference;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class CpuKernels
{
    /// <summary>
    /// Rotates one head vector in place by position <paramref name="pos"/> with precomputed inverse frequencies
    /// (headDim/2 of them). rotate_half pairs (j, j + headDim/2); interleaved pairs (2j, 2j+1).
    /// </summary>
    public static void Rope(float* head, int headDim, int pos, float* invFreq, bool interleaved)
        => Rope(head, headDim, pos, invFreq, interleaved, CpuFeatures.Level);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Rope(float* head, int headDim, int pos, float* invFreq, bool interleaved, Level level)
    {
        int half = headDim / 2;
        if (level == Level.Scalar || half < 8)
        {
            ScalarKernels.Rope(head, headDim, pos, invFreq, interleaved);
            return;
        }
        // cos/sin come from MathF exactly as in the reference (vector sin/cos lose accuracy at the large angles of
        // late positions); they are a small part of the work, the rotation itself is vectorized.
        float* cos = stackalloc float[half];
        float* sin = stackalloc float[half];
        for (int j = 0; j < half; j++)
        {
            float angle = pos * invFreq[j];
            cos[j] = MathF.Cos(angle);
            sin[j] = MathF.Sin(angle);
        }
        RotateHead(head, headDim, cos, sin, interleaved, level);
    }

    /// <summary>
    /// Rotates one head vector in place with this position's cos/sin (headDim/2 each), computed once per token and
    /// shared by all its heads. rotate_half pairs (j, j + headDim/2); interleaved pairs (2j, 2j+1).
    /// </summary>
    public static void RotateHead(float* head, int headDim, float* cos, float* sin, bool interleaved)
        => RotateHead(head, headDim, cos, sin, interleaved, CpuFeatures.Level);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RotateHead(float* head, int headDim, float* cos, float* sin, bool interleaved, Level level)
    {
        int half = headDim / 2;
        int j = 0;
        if (!interleaved)
        {
            if (level == Level.Avx512)
            {
                for (; j <= half - 16; j += 16)
                {
                    var c = Vector512.Load(cos + j);
                    var s = Vector512.Load(sin + j);
                    var x0 = Vector512.Load(head + j);
                    var x1 = Vector512.Load(head + half + j);
                    (x0 * c - x1 * s).Store(head + j);
                    (x0 * s + x1 * c).Store(head + half + j);
                }
            }
            if (level >= Level.Avx2)
            {
                for (; j <= half - 8; j += 8)
                {
                    var c = Vector256.Load(cos + j);
                    var s = Vector256.Load(sin + j);
                    var x0 = Vector256.Load(head + j);
                    var x1 = Vector256.Load(head + half + j);
                    (x0 * c - x1 * s).Store(head + j);
                    (x0 * s + x1 * c).Store(head + half + j);
                }
            }
            for (; j < half; j++) Rotate(head, j, j + half, cos[j], sin[j]);
        }
        else
        {
            if (level >= Level.Avx2)
            {
                // 4 pairs per 256-bit vector: even lanes get x0·c − x1·s, odd lanes x0·s + x1·c.
                var dup = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
                var swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
                var sign = Vector256.Create(-1f, 1f, -1f, 1f, -1f, 1f, -1f, 1f);
                for (; j <= half - 4; j += 4)
                {
                    var c = Vector256.Shuffle(Vector256.Create(Vector128.Load(cos + j), Vector128<float>.Zero), dup);
                    var s = Vector256.Shuffle(Vector256.Create(Vector128.Load(sin + j), Vector128<float>.Zero), dup) * sign;
                    var x = Vector256.Load(head + 2 * j);
                    (x * c + Vector256.Shuffle(x, swap) * s).Store(head + 2 * j);
                }
            }
            for (; j < half; j++) Rotate(head, 2 * j, 2 * j + 1, cos[j], sin[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rotate(float* head, int a, int b, float cos, float sin)
    {
        float x0 = head[a], x1 = head[b];
        head[a] = x0 * cos - x1 * sin;
        head[b] = x0 * sin + x1 * cos;
    }
}
