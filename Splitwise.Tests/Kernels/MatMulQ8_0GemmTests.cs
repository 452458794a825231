using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The Q8_0 integer GEMM (int16 activations, vpmaddwd micro-kernels) against ScalarKernels.MatMul at every SIMD level
/// this machine has, at sizes off every edge: rows 1/7/31/33 (the 12- and 4-row panels and their remainders), blocks
/// 1/7/9/33 (inside one 256-column step, one past it, several steps plus one block), tokens 1/7/13/31/33 (k interleave
/// 4, 2 and 1 at AVX-512, where 33 is one past a full token block; at AVX2, 1 and 7 take interleave 4 and 2).
/// Tolerance: the fp32 bound of <see cref="MatMulTests"/> plus Σ_c |w|·0.51·max|x_b| / 32767, the int16 rounding of
/// each activation block.
/// </summary>
public sealed unsafe class MatMulQ8_0GemmTests
{
    public static TheoryData<Level, int, int, int> Cases()
    {
        var data = new TheoryData<Level, int, int, int>();
        foreach (var level in MatMulTests.Levels().Where(l => l != Level.Scalar))
            foreach (int rows in new[] { 1, 7, 31, 33 })
                foreach (int blocks in new[] { 1, 7, 9, 33 })
                    foreach (int n in new[] { 1, 7, 13, 31, 33 })
                        data.Add(level, rows, blocks * 32, n);
        // Packed activations of one token group over 256 KB: the k-outer loop order (the rest run panel by panel).
        foreach (var level in MatMulTests.Levels().Where(l => l != Level.Scalar))
            data.Add(level, 13, 65 * 32, 65);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Integer_gemm_matches_the_scalar_reference(Level level, int rows, int cols, int n)
    {
        var (expected, actual, tolerance) = MatMulTests.RunQ8_0Gemm(rows, cols, n, HashCode.Combine(rows, cols, n), level, MatMul.Q8_0Gemm.Int16Panels, activationCodes: 32767);
        KernelAssert.Close(expected, actual, i => tolerance[i], $"Q8_0 integer GEMM {level} [{rows}×{cols}] n={n} (index = token·{rows} + row)");
    }

    /// <summary>
    /// Every weight −128 against activations that all quantize to the largest code: each block's int32 sum is
    /// 32·(−128)·32767, the most any block can reach. A kernel that summed byte pairs into int16 (vpmaddubsw) would
    /// saturate here (and an int32 sum over more than one block would overflow); this one must give −128·cols per
    /// output, up to the fp32 rounding of the scales (1/32767 is inexact): relative 1e-5.
    /// </summary>
    [Theory, MemberData(nameof(SimdLevels))]
    public void Extreme_codes_do_not_overflow(Level level)
    {
        const int rows = 13, blocks = 9, n = 17, cols = blocks * 32;
        var w = MatMulTests.UniformQ8_0(rows, cols, -128);
        var x = new float[n * cols];
        x.AsSpan().Fill(1f);
        var y = new float[n * rows];
        using var pool = new WorkerPool(2);
        fixed (float* xp = x, yp = y) MatMul.Multiply(w, xp, n, yp, pool, level, forceGemm: true, q8Gemm: MatMul.Q8_0Gemm.Int16Panels);
        Assert.All(y, v => Assert.InRange(v, -128f * cols * (1 + 1e-5f), -128f * cols * (1 - 1e-5f)));
    }

    public static TheoryData<Level> SimdLevels() => new(MatMulTests.Levels().Where(l => l != Level.Scalar));
}
