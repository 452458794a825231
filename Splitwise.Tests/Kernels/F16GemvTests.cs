using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Native;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The fp16 decode dot products at odd lengths (1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 4097: scalar tail only, one
/// 16-value step, the 64-value loop with and without tails), with signed zeros and subnormals among the weights
/// (infinities in their own test): the managed row dot at each SIMD level the machine has (the engine uses the AVX-512 one
/// where the native library is missing), and the native GEMV (vcvtph2ps) over several rows, storing and accumulating:
/// it takes rows four at a time from the four quarters of the slice and the rest one by one, so the row counts cover both.
/// Tolerance: fp32 rounding of a sum of |w·x| terms, 1e-6 relative to that sum.
/// </summary>
public sealed unsafe class F16GemvTests
{
    public static TheoryData<int> Lengths() => [1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 4097];

    private static (ushort[] Halves, float[] Weights, float[] X) Data(int cols, int rows, int seed)
    {
        var rng = new Random(seed);
        var halves = new ushort[rows * cols];
        var weights = new float[rows * cols];
        for (int i = 0; i < halves.Length; i++)
        {
            Half h = (i % 97) switch
            {
                5 => Half.NegativeZero,
                11 => (Half)(rng.NextSingle() * 6e-5f), // subnormal
                _ => (Half)(rng.NextSingle() * 4 - 2),
            };
            halves[i] = BitConverter.HalfToUInt16Bits(h);
            weights[i] = (float)h;
        }
        var x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = rng.NextSingle() * 2 - 1;
        return (halves, weights, x);
    }

    private static (float Sum, float Magnitude) Reference(float[] weights, int row, int cols, float[] x)
    {
        double sum = 0, magnitude = 0;
        for (int c = 0; c < cols; c++)
        {
            sum += (double)weights[row * cols + c] * x[c];
            magnitude += Math.Abs((double)weights[row * cols + c] * x[c]);
        }
        return ((float)sum, (float)magnitude);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Managed_row_dot_matches_the_reference_at_every_level(int cols)
    {
        var (halves, weights, x) = Data(cols, 1, cols);
        var (expected, magnitude) = Reference(weights, 0, cols, x);
        foreach (var level in new[] { Level.Avx2, Level.Avx512 })
        {
            if (level > CpuFeatures.Level) continue;
            fixed (ushort* h = halves)
            fixed (float* xp = x)
            {
                float actual = MatMul.DotF16((byte*)h, xp, cols, level);
                Assert.True(Math.Abs(actual - expected) <= 1e-6f * magnitude + 1e-30f, $"{level} cols={cols}: {actual} vs {expected}");
            }
        }
    }

    /// <summary>Row counts: one row (no quad), four (one quad), and quads with one to three rows left over.</summary>
    public static TheoryData<int, int> LengthsAndRows()
    {
        var data = new TheoryData<int, int>();
        foreach (int cols in new[] { 1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 4097 })
            foreach (int rows in new[] { 1, 4, 5, 14, 19 })
                data.Add(cols, rows);
        return data;
    }

    [Theory, MemberData(nameof(LengthsAndRows))]
    public void Native_gemv_matches_the_reference_storing_and_accumulating(int cols, int rows)
    {
        if (!NativeKernels.F16Available) return; // A_cpu_with_avx512_vnni_gets_the_native_kernel fails where it should be loaded.
        var (halves, weights, x) = Data(cols, rows, 1000 + cols);
        var y = new float[rows];
        var accumulated = Enumerable.Range(0, rows).Select(r => r * 0.5f).ToArray();
        fixed (ushort* h = halves)
        fixed (float* xp = x, yp = y, ap = accumulated)
        {
            NativeKernels.F16GemvRows((byte*)h, cols * 2L, rows, cols, xp, yp, 0);
            NativeKernels.F16GemvRows((byte*)h, cols * 2L, rows, cols, xp, ap, 1);
        }
        for (int r = 0; r < rows; r++)
        {
            var (expected, magnitude) = Reference(weights, r, cols, x);
            Assert.True(Math.Abs(y[r] - expected) <= 1e-6f * magnitude + 1e-30f, $"row {r} cols={cols}: {y[r]} vs {expected}");
            Assert.True(Math.Abs(accumulated[r] - (expected + r * 0.5f)) <= 1e-6f * (magnitude + r) + 1e-30f, $"accumulated row {r}: {accumulated[r]}");
        }
    }

    /// <summary>
    /// The batched-decode GEMV (sw_f16_gemv_tokens): rows two at a time (so 1 and 5 rows leave one over), tokens eight at a
    /// time (2, 8, 9 and 17 tokens: one partial group, a full one, a full one and one left over), the odd column counts
    /// above (a zero-padded last piece), storing and accumulating; y is [token][row] with a row stride wider than the slice.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(7, 5, 8)]
    [InlineData(17, 2, 9)]
    [InlineData(33, 5, 17)]
    [InlineData(64, 3, 9)]
    [InlineData(4097, 5, 3)]
    public void Native_token_gemv_matches_the_reference_storing_and_accumulating(int cols, int rows, int tokens)
    {
        if (!NativeKernels.F16Available) return;
        var (halves, weights, _) = Data(cols, rows, 500 + cols + tokens);
        var rng = new Random(cols * tokens);
        var x = Enumerable.Range(0, tokens * cols).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
        int stride = rows + 3;
        var y = new float[tokens * stride];
        var accumulated = Enumerable.Range(0, tokens * stride).Select(i => i * 0.125f).ToArray();
        fixed (ushort* h = halves)
        fixed (float* xp = x, yp = y, ap = accumulated)
        {
            NativeKernels.F16GemvTokens((byte*)h, cols * 2L, rows, cols, xp, tokens, yp, stride, 0);
            NativeKernels.F16GemvTokens((byte*)h, cols * 2L, rows, cols, xp, tokens, ap, stride, 1);
        }
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < stride; r++)
            {
                int at = t * stride + r;
                if (r >= rows)
                {
                    Assert.Equal(0f, y[at]);                 // past the slice: untouched
                    Assert.Equal(at * 0.125f, accumulated[at]);
                    continue;
                }
                var (expected, magnitude) = Reference(weights, r, cols, x.AsSpan(t * cols, cols).ToArray());
                Assert.True(Math.Abs(y[at] - expected) <= 1e-6f * magnitude + 1e-30f, $"token {t} row {r} cols={cols}: {y[at]} vs {expected}");
                Assert.True(Math.Abs(accumulated[at] - (expected + at * 0.125f)) <= 1e-6f * (magnitude + at) + 1e-30f,
                            $"accumulated token {t} row {r}: {accumulated[at]}");
            }
    }

    /// <summary>
    /// A row's sum is the same bits whether the slice puts it in a quad or leaves it over: the fused and separate GEMV
    /// jobs cut matrices into different slices, and their results are compared bit for bit.
    /// </summary>
    [Theory]
    [InlineData(33)]
    [InlineData(768)]
    [InlineData(4097)]
    public void A_row_sums_to_the_same_bits_in_any_slice(int cols)
    {
        if (!NativeKernels.F16Available) return;
        const int rows = 13;
        var (halves, _, x) = Data(cols, rows, 77 + cols);
        var whole = new float[rows];
        var single = new float[rows];
        fixed (ushort* h = halves)
        fixed (float* xp = x, wp = whole, sp = single)
        {
            NativeKernels.F16GemvRows((byte*)h, cols * 2L, rows, cols, xp, wp, 0);
            for (int r = 0; r < rows; r++) NativeKernels.F16GemvRows((byte*)(h + r * cols), cols * 2L, 1, cols, xp, sp + r, 0);
        }
        Assert.Equal(single, whole);
    }

    /// <summary>Infinity in a weight row gives ±infinity (or NaN against a zero input) exactly as the scalar reference says, natively and managed.</summary>
    [Fact]
    public void Infinities_propagate()
    {
        const int cols = 40;
        var halves = new ushort[cols];
        halves[3] = BitConverter.HalfToUInt16Bits(Half.PositiveInfinity);
        var x = Enumerable.Repeat(1f, cols).ToArray();
        fixed (ushort* h = halves)
        fixed (float* xp = x)
        {
            Assert.Equal(float.PositiveInfinity, MatMul.DotF16((byte*)h, xp, cols, CpuFeatures.Level));
            if (NativeKernels.F16Available)
            {
                float y = 0;
                NativeKernels.F16GemvRows((byte*)h, cols * 2L, 1, cols, xp, &y, 0);
                Assert.Equal(float.PositiveInfinity, y);
            }
        }
    }
}
