using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The vectorized element-wise kernels against ScalarKernels at every length 0..130 (all 8/16-lane tails and the 64-wide
/// unrolled loop) and 4097, per SIMD level. u = 2⁻²³. Tolerances:
/// Dot: 2(n + 2)·u·Σ|a·b| (different summation order). RmsNorm: (n/2 + 8)·u relative (the mean of squares is summed in a
/// different order and enters through a square root). Softmax: (n + 16)·u relative (vector exp is within a few ulp; the
/// sum's order differs). SiluMul: 16·u relative. Rope: exact — cos/sin come from MathF as in the reference and the
/// rotation uses the same two products.
/// </summary>
public sealed unsafe class CpuKernelsTests
{
    private const double U = 1.0 / (1 << 23);
    private static readonly int[] Sizes = [.. Enumerable.Range(0, 131), 4097];

    public static TheoryData<Level> LevelCases() => [.. MatMulTests.Levels()];

    [Theory, MemberData(nameof(LevelCases))]
    public void Dot_and_Axpy_match_plain_loops(Level level)
    {
        var rng = new Random(1);
        foreach (int n in Sizes)
        {
            var a = TestWeights.RandomFloats(n, rng);
            var b = TestWeights.RandomFloats(n, rng);
            double exact = 0, abs = 0;
            for (int i = 0; i < n; i++) { exact += (double)a[i] * b[i]; abs += Math.Abs((double)a[i] * b[i]); }
            float dot;
            var y = TestWeights.RandomFloats(n, rng);
            var expectedY = y.Select((v, i) => v + 0.5f * a[i]).ToArray();
            fixed (float* ap = a, bp = b, yp = y)
            {
                dot = CpuKernels.Dot(ap, bp, n, level);
                CpuKernels.Axpy(0.5f, ap, yp, n, level);
            }
            Assert.True(Math.Abs(dot - exact) <= 2 * (n + 2) * U * abs + 1e-30, $"Dot {level} n={n}: {dot:R} vs {exact:R}");
            // a·0.5 is exact, so fused or not the sum rounds once.
            KernelAssert.Close(expectedY, y, 0, 0, $"Axpy {level} n={n}");
        }
    }

    [Theory, MemberData(nameof(LevelCases))]
    public void RmsNorm_matches_the_reference(Level level)
    {
        var rng = new Random(2);
        foreach (int n in Sizes.Where(s => s > 0))
        {
            var x = TestWeights.RandomFloats(n, rng, 3f);
            var weight = TestWeights.RandomFloats(n, rng);
            var expected = new float[n];
            var actual = new float[n];
            var inPlace = (float[])x.Clone();
            fixed (float* xp = x, wp = weight, ep = expected, ap = actual, ip = inPlace)
            {
                ScalarKernels.RmsNorm(xp, wp, ep, n, 1e-5f);
                CpuKernels.RmsNorm(xp, wp, ap, n, 1e-5f, level);
                CpuKernels.RmsNorm(ip, wp, ip, n, 1e-5f, level);
            }
            KernelAssert.Close(expected, actual, (n / 2.0 + 8) * U, 1e-30, $"RmsNorm {level} n={n}");
            KernelAssert.Close(actual, inPlace, 0, 0, $"RmsNorm in place {level} n={n}");
        }
    }

    [Theory, MemberData(nameof(LevelCases))]
    public void Softmax_matches_the_reference(Level level)
    {
        var rng = new Random(3);
        foreach (int n in Sizes.Where(s => s > 0))
        {
            var x = TestWeights.RandomFloats(n, rng, 20f);
            if (n > 3) x[n / 2] = float.NegativeInfinity; // a masked logit
            var expected = (float[])x.Clone();
            var actual = (float[])x.Clone();
            fixed (float* ep = expected, ap = actual)
            {
                ScalarKernels.Softmax(ep, n);
                CpuKernels.Softmax(ap, n, level);
            }
            KernelAssert.Close(expected, actual, (n + 16) * U, 1e-30, $"Softmax {level} n={n}");
        }
    }

    [Theory, MemberData(nameof(LevelCases))]
    public void SiluMul_matches_the_reference(Level level)
    {
        var rng = new Random(4);
        foreach (int n in Sizes)
        {
            var gate = TestWeights.RandomFloats(n, rng, 12f);
            var up = TestWeights.RandomFloats(n, rng, 2f);
            var expected = (float[])gate.Clone();
            var actual = (float[])gate.Clone();
            fixed (float* ep = expected, ap = actual, up_ = up)
            {
                ScalarKernels.SiluMul(ep, up_, n);
                CpuKernels.SiluMul(ap, up_, n, level);
            }
            KernelAssert.Close(expected, actual, 16 * U, 1e-37, $"SiluMul {level} n={n}");
        }
    }

    [Theory, MemberData(nameof(LevelCases))]
    public void Rope_matches_the_reference_in_both_layouts(Level level)
    {
        var rng = new Random(5);
        foreach (bool interleaved in new[] { false, true })
        foreach (int headDim in new[] { 2, 4, 6, 8, 14, 16, 18, 30, 32, 34, 64, 80, 96, 128, 130, 256 })
        foreach (int pos in new[] { 0, 1, 7, 511, 4095, 131071 })
        {
            var invFreq = Enumerable.Range(0, headDim / 2).Select(j => (float)Math.Pow(10000, -2.0 * j / headDim)).ToArray();
            var head = TestWeights.RandomFloats(headDim, rng, 4f);
            var expected = (float[])head.Clone();
            var actual = (float[])head.Clone();
            fixed (float* ep = expected, ap = actual, fp = invFreq)
            {
                ScalarKernels.Rope(ep, headDim, pos, fp, interleaved);
                CpuKernels.Rope(ap, headDim, pos, fp, interleaved, level);
            }
            KernelAssert.Close(expected, actual, 0, 0, $"Rope {(interleaved ? "interleaved" : "rotate_half")} {level} headDim={headDim} pos={pos}");
        }
    }

    /// <summary>The rotation the forward pass calls with per-token cos/sin, at every head size (vector bodies and tails).</summary>
    [Theory, MemberData(nameof(LevelCases))]
    public void RotateHead_with_precomputed_angles_matches_the_reference(Level level)
    {
        var rng = new Random(6);
        foreach (bool interleaved in new[] { false, true })
        foreach (int headDim in new[] { 2, 4, 6, 8, 10, 14, 16, 18, 32, 34, 64, 128, 130 })
        foreach (int pos in new[] { 0, 3, 511, 4095 })
        {
            int half = headDim / 2;
            var invFreq = Enumerable.Range(0, half).Select(j => (float)Math.Pow(10000, -2.0 * j / headDim)).ToArray();
            var cos = invFreq.Select(f => MathF.Cos(pos * f)).ToArray();
            var sin = invFreq.Select(f => MathF.Sin(pos * f)).ToArray();
            var head = TestWeights.RandomFloats(headDim, rng, 4f);
            var expected = (float[])head.Clone();
            var actual = (float[])head.Clone();
            fixed (float* ep = expected, ap = actual, fp = invFreq, cp = cos, sp = sin)
            {
                ScalarKernels.Rope(ep, headDim, pos, fp, interleaved);
                CpuKernels.RotateHead(ap, headDim, cp, sp, interleaved, level);
            }
            KernelAssert.Close(expected, actual, 0, 0, $"RotateHead {(interleaved ? "interleaved" : "rotate_half")} {level} headDim={headDim} pos={pos}");
        }
    }
}
