using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The AVX-512 row-lane Q8_0 GEMM (16 rows per register, int16 activations) against ScalarKernels.MatMul at sizes off
/// every edge: rows 1/15/16/17/33/100 (partial 16-row tiles, chunks of the pool), blocks 1/2/9/129 (one block, the
/// prefetch distance of 8 crossed or not, a 4096+32 row), tokens 1/2/3/5/7/16/17/33/65 (one past the 32-token group,
/// several groups). Tolerance as <see cref="MatMulQ8_0GemmTests"/>: int16 activation rounding plus fp32 sums.
/// On a machine without AVX-512 the kernel must refuse, and the dispatcher must not pick it.
/// </summary>
public sealed unsafe class MatMulQ8_0RowLanesTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int rows in new[] { 1, 15, 17, 33 })
            foreach (int blocks in new[] { 1, 9 })
                foreach (int n in new[] { 1, 2, 3, 5, 7, 16, 17, 33 })
                    data.Add(rows, blocks * 32, n);
        data.Add(16, 2 * 32, 4);
        data.Add(100, 129 * 32, 5);
        data.Add(48, 129 * 32, 65);
        data.Add(7, 4 * 32, 65);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Row_lane_gemm_matches_the_scalar_reference(int rows, int cols, int n)
    {
        if (CpuFeatures.Level != Level.Avx512)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Run(rows, cols, n, Level.Avx2));
            return;
        }
        var (expected, actual, tolerance) = Run(rows, cols, n, Level.Avx512);
        KernelAssert.Close(expected, actual, i => tolerance[i], $"Q8_0 row-lane GEMM [{rows}×{cols}] n={n} (index = token·{rows} + row)");
    }

    private static (float[] Expected, float[] Actual, double[] Tolerance) Run(int rows, int cols, int n, Level level)
        => MatMulTests.RunQ8_0Gemm(rows, cols, n, HashCode.Combine(rows, cols, n, 16), level, MatMul.Q8_0Gemm.RowLanes, activationCodes: 32767);

    /// <summary>
    /// Every weight −128 against activations that all quantize to the largest code: each lane's int32 block sum is
    /// 32·(−128)·32767, the most a block can reach (below 2³¹, so no overflow); the result must be −128·cols per output.
    /// </summary>
    [Fact]
    public void Extreme_codes_do_not_overflow()
    {
        const int rows = 19, blocks = 9, n = 5, cols = blocks * 32;
        var w = MatMulTests.UniformQ8_0(rows, cols, -128);
        var x = new float[n * cols];
        x.AsSpan().Fill(1f);
        var y = new float[n * rows];
        using var pool = new WorkerPool(2);
        void Multiply(Level level)
        {
            fixed (float* xp = x, yp = y) MatMul.Multiply(w, xp, n, yp, pool, level, forceGemm: true, q8Gemm: MatMul.Q8_0Gemm.RowLanes);
        }
        if (CpuFeatures.Level != Level.Avx512)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Multiply(Level.Avx2));
            return;
        }
        Multiply(Level.Avx512);
        Assert.All(y, v => Assert.InRange(v, -128f * cols * (1 + 1e-5f), -128f * cols * (1 - 1e-5f)));
    }

    /// <summary>
    /// Which Q8_0 path a batch takes by default: at AVX-512 the int8 GEMV for 1 token, the row-lane GEMM from 2 up to
    /// its limit, the int16 panel GEMM beyond; at AVX2 the GEMV below the panel GEMM's crossover and the panel GEMM
    /// from it on (the row-lane kernel is never picked there).
    /// </summary>
    [Fact]
    public void Dispatch_picks_row_lanes_only_for_small_batches_at_avx512()
    {
        Assert.Equal(2, MatMul.GemmMinTokens(WeightType.Q8_0, Level.Avx512));
        Assert.Equal(MatMul.GemmMinTokens(WeightType.Q8_0), MatMul.GemmMinTokens(WeightType.Q8_0, Level.Avx2));
        Assert.Equal(MatMul.GemmMinTokens(WeightType.Q4_0), MatMul.GemmMinTokens(WeightType.Q4_0, Level.Avx512));
        // Where the native VNNI kernel is loaded it takes every batch (MatMulQ8_0VnniTests).
        bool vnni = Splitwise.Kernels.Native.NativeKernels.VnniAvailable;
        foreach (int n in new[] { 2, 3, 16, MatMul.RowLanesMaxTokens })
            Assert.Equal(vnni ? MatMul.Q8_0Gemm.Vnni : MatMul.Q8_0Gemm.RowLanes, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Auto, n, Level.Avx512));
        Assert.Equal(vnni ? MatMul.Q8_0Gemm.Vnni : MatMul.Q8_0Gemm.Int16Panels, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Auto, MatMul.RowLanesMaxTokens + 1, Level.Avx512));
        foreach (int n in new[] { 2, 5, 16, 300 })
            Assert.Equal(MatMul.Q8_0Gemm.Int16Panels, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Auto, n, Level.Avx2));
        Assert.Equal(MatMul.Q8_0Gemm.Fp32Panels, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Fp32Panels, 4, Level.Avx512));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.RowLanes, 4, Level.Avx2));
    }
}
