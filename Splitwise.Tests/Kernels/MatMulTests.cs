using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// MatMul.Multiply against ScalarKernels.MatMul for every weight type, every SIMD level this machine has, the GEMV
/// (decode) and GEMM (prefill) paths, at odd sizes that hit every remainder: columns 1/7/31/33/4097 and block counts
/// 1..9 and 17, row counts across micro-panel (14, 6) and row-group (112, 48) edges, token counts across the 32/16-token
/// blocks and the 256-token groups.
///
/// Tolerances (u = 2⁻²³, per output y[i, r], with A = Σ_c |x[i,c]·w[r,c]|):
/// - fp32 compute (F32/F16/BF16 weights, every GEMM, the K-quant GEMV): |Δ| ≤ 2(K + 4)·u·A — both sides round each of
///   K additions, in different orders. Q4_K adds 2u per element of |d·sc·q| + |dmin·m| (its dequantization is fused).
/// - int8 activations (Q8_0/Q4_0 GEMV): additionally Σ_c |w[r,c]|·0.51·d_b(c), where d_b = max|x| / 127 of the
///   32-element activation block holding c — each activation is rounded to the nearest multiple of d_b.
/// - int16 activations (the Q8_0 integer GEMM): the same term with d_b = max|x| / 32767.
/// </summary>
public sealed unsafe class MatMulTests
{
    public static TheoryData<WeightType, Level, int, int, int, string> Cases()
    {
        var data = new TheoryData<WeightType, Level, int, int, int, string>();
        (int Rows, int N, string Path)[] small =
        [
            (1, 1, "auto"), (3, 3, "auto"), (15, 7, "auto"), (29, 8, "auto"), (113, 17, "auto"), (14, 33, "auto"),
            (50, 64, "auto"), (127, 65, "auto"), (15, 1, "gemm"), (7, 3, "gemm"), (17, 17, "gemv"),
        ];
        (int Rows, int N, string Path)[] large = [(1, 1, "auto"), (15, 3, "auto"), (17, 17, "auto"), (7, 2, "gemm")];
        foreach (var type in Enum.GetValues<WeightType>())
        {
            int[] cols = type switch
            {
                WeightType.F32 or WeightType.F16 or WeightType.BF16 => [1, 7, 31, 33, 300, 4097],
                WeightType.Q8_0 or WeightType.Q4_0 => [32, 64, 96, 160, 288, 544],
                _ => [256, 512, 768, 2304],
            };
            foreach (var level in Levels())
            {
                foreach (int c in cols)
                    foreach (var (rows, n, path) in c > 1000 ? large : small)
                        data.Add(type, level, rows, c, n, path);
                // Two 256-token groups and a partial token block.
                data.Add(type, level, 30, cols[1], 300, "auto");
            }
        }
        return data;
    }

    public static IEnumerable<Level> Levels() => Enum.GetValues<Level>().Where(l => l <= CpuFeatures.Level);

    [Theory, MemberData(nameof(Cases))]
    public void Multiply_matches_the_scalar_reference(WeightType type, Level level, int rows, int cols, int n, string path)
    {
        var rng = new Random(HashCode.Combine(type, rows, cols, n) & 0x7fffffff);
        var bytes = TestWeights.Create(type, rows, cols, rng);
        var w = WeightMatrix.FromBytes(type, rows, cols, bytes);
        var x = TestWeights.RandomFloats(n * cols, rng);
        var expected = new float[n * rows];
        var actual = new float[n * rows];
        actual.AsSpan().Fill(float.NaN);
        using var pool = new WorkerPool(2);
        bool? gemm = path switch { "gemm" => true, "gemv" => false, _ => null };
        fixed (float* xp = x, ep = expected, ap = actual)
        {
            ScalarKernels.MatMul(w, xp, n, ep);
            MatMul.Multiply(w, xp, n, ap, pool, level, gemm);
        }

        bool usesGemm = gemm ?? n >= MatMul.GemmMinTokens(type, level);
        int activationCodes = level == Level.Scalar ? 0 : (type, usesGemm) switch
        {
            (WeightType.Q8_0 or WeightType.Q4_0, false) => 127,
            // The native VNNI GEMM, where loaded, multiplies int8 codes; the managed integer GEMMs int16 ones.
            (WeightType.Q8_0, true) => level == Level.Avx512 && Splitwise.Kernels.Native.NativeKernels.VnniAvailable ? 127 : 32767,
            _ => 0,
        };
        var tolerance = Tolerances(w, x, n, activationCodes);
        KernelAssert.Close(expected, actual, i => tolerance[i],
            $"MatMul {type} {level} [{rows}×{cols}] n={n} path={(usesGemm ? "gemm" : "gemv")} (index = token·{rows} + row)");
    }

    [Fact]
    public void A_level_above_the_hardware_is_refused()
    {
        var w = WeightMatrix.FromBytes(WeightType.F32, 1, 1, new byte[4]);
        using var buffer = NativeBuffer.Allocate(8);
        float* x = (float*)buffer.Pointer, y = x + 1;
        // Avx512 + 1 is no level at all, so this holds on every machine.
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.Multiply(w, x, 1, y, WorkerPool.Shared, CpuFeatures.Level + 1));
    }

    [Fact]
    public void Zero_tokens_is_a_no_op_and_negative_is_an_error()
    {
        var w = WeightMatrix.FromBytes(WeightType.F32, 1, 1, new byte[4]);
        using var buffer = NativeBuffer.Allocate(8);
        float* x = (float*)buffer.Pointer, y = x + 1;
        *y = 42;
        MatMul.Multiply(w, x, 0, y, WorkerPool.Shared);
        Assert.Equal(42f, *y);
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.Multiply(w, x, -1, y, WorkerPool.Shared));
    }

    /// <summary>
    /// One forced Q8_0 GEMM kernel against ScalarKernels.MatMul: random weights, and activations spanning several
    /// orders of magnitude (every 37th ×200), as hidden states do, so block scales differ widely. Returns both
    /// products and the per-output tolerance for integer activations with <paramref name="activationCodes"/>.
    /// </summary>
    internal static (float[] Expected, float[] Actual, double[] Tolerance) RunQ8_0Gemm(
        int rows, int cols, int n, int seed, Level level, MatMul.Q8_0Gemm kernel, int activationCodes)
    {
        var rng = new Random(seed & 0x7fffffff);
        var w = WeightMatrix.FromBytes(WeightType.Q8_0, rows, cols, TestWeights.Create(WeightType.Q8_0, rows, cols, rng));
        var x = TestWeights.RandomFloats(n * cols, rng);
        for (int i = 0; i < x.Length; i += 37) x[i] *= 200;
        var expected = new float[n * rows];
        var actual = new float[n * rows];
        actual.AsSpan().Fill(float.NaN);
        using var pool = new WorkerPool(2);
        fixed (float* xp = x, ep = expected, ap = actual)
        {
            ScalarKernels.MatMul(w, xp, n, ep);
            MatMul.Multiply(w, xp, n, ap, pool, level, forceGemm: true, q8Gemm: kernel);
        }
        return (expected, actual, Tolerances(w, x, n, activationCodes));
    }

    /// <summary>A Q8_0 matrix whose every block has scale 1 and all 32 codes equal to <paramref name="code"/> (overflow tests).</summary>
    internal static WeightMatrix UniformQ8_0(int rows, int cols, sbyte code)
    {
        int blocks = rows * cols / 32;
        var bytes = new byte[blocks * 34];
        for (int b = 0; b < blocks; b++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(b * 34, 2), (Half)1f);
            bytes.AsSpan(b * 34 + 2, 32).Fill((byte)code);
        }
        return WeightMatrix.FromBytes(WeightType.Q8_0, rows, cols, bytes);
    }

    internal static double[] Tolerances(WeightMatrix w, float[] x, int n, bool int8Activations) => Tolerances(w, x, n, int8Activations ? 127 : 0);

    /// <param name="activationCodes">Largest code of the integer activations (127 for int8, 32767 for int16); 0 for fp32 activations.</param>
    internal static double[] Tolerances(WeightMatrix w, float[] x, int n, int activationCodes)
    {
        const double u = 1.0 / (1 << 23);
        int rows = w.Rows, cols = w.Cols;
        var tol = new double[n * rows];
        var row = new float[cols];
        var magnitude = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            fixed (float* rp = row) ScalarKernels.Dequantize(w.Type, w.Row(r), rp, cols);
            for (int c = 0; c < cols; c++) magnitude[c] = Math.Abs(row[c]);
            double[]? fusedDequant = w.Type == WeightType.Q4_K ? Q4KPartsMagnitude(w.Row(r), cols) : null;
            for (int i = 0; i < n; i++)
            {
                double absDot = 0, quant = 0, dequant = 0;
                for (int c = 0; c < cols; c++)
                {
                    double xc = x[i * cols + c];
                    absDot += Math.Abs(xc) * magnitude[c];
                    if (fusedDequant != null) dequant += 2 * u * Math.Abs(xc) * fusedDequant[c];
                }
                if (activationCodes > 0)
                {
                    for (int b = 0; b < cols / 32; b++)
                    {
                        double amax = 0;
                        for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[i * cols + b * 32 + j]));
                        for (int j = 0; j < 32; j++) quant += magnitude[b * 32 + j] * 0.51 * amax / activationCodes;
                    }
                    absDot += quant; // the fp32 rounding bound applies to the quantized products too
                }
                tol[i * rows + r] = 2 * (cols + 4) * u * absDot + quant + dequant + 1e-30;
            }
        }
        return tol;
    }

    /// <summary>|d·sc·q| + |dmin·m| per element of a Q4_K row: the size of the two terms the fused dequantization rounds once.</summary>
    private static double[] Q4KPartsMagnitude(byte* row, int cols)
    {
        var m = new double[cols];
        for (int b = 0; b < cols / 256; b++)
        {
            byte* blk = row + b * 144;
            double d = (double)*(Half*)blk, dmin = (double)*(Half*)(blk + 2);
            for (int sub = 0; sub < 8; sub++)
            {
                ScalarKernels.Q4KScaleMin(sub, blk + 4, out int sc, out int mn);
                for (int j = 0; j < 32; j++) m[b * 256 + sub * 32 + j] = Math.Abs(d * sc * 15) + Math.Abs(dmin * mn);
            }
        }
        return m;
    }
}
