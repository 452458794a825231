using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The fused decode entry points (q/k/v in one job, gate/up with SiLU·mul, projections added into their destination)
/// for every weight type and SIMD level, at odd sizes: columns 1/7/31/33/4097 (block counts 1, 3, 9, 17 for Q8_0/Q4_0),
/// row counts that leave partial chunks and partial vectors (1, 7, 31, 33, 300; 40 where rows are 16 KB) beside whole
/// ones (48, 304), and token counts on both sides of the GEMM crossover (at AVX-512, Q8_0 from 2 tokens on takes the
/// row-lane GEMM, in 32-token groups: 40 is two).
/// Two checks each:
/// - bit for bit equal to the separate products followed by the separate step (TensorPrimitives.Add, CpuKernels.SiluMul)
///   at the same level — the forward pass's golden outputs rest on this;
/// - within tolerance of the scalar reference (ScalarKernels.MatMul, then the plain add or ScalarKernels.SiluMul). The
///   products get <see cref="MatMulTests"/>' bounds; an add adds u·|result|; SiLU·mul propagates them,
///   |Δ| ≤ 1.1·Δg·|u| + |silu(g)|·Δu (|silu'| &lt; 1.1) plus 16·u·|result| for the vector exp.
/// </summary>
public sealed unsafe class MatMulFusedTests
{
    private const double U = 1.0 / (1 << 23);

    public static TheoryData<WeightType, Level, int, int> Cases()
    {
        var data = new TheoryData<WeightType, Level, int, int>();
        foreach (var type in Enum.GetValues<WeightType>())
        {
            int[] cols = type switch
            {
                WeightType.F32 or WeightType.F16 or WeightType.BF16 => [1, 7, 31, 33, 4097],
                WeightType.Q8_0 or WeightType.Q4_0 => [32, 96, 288, 544],
                _ => [256, 768],
            };
            // Q8_0 also at 40 tokens: more than one 32-token group of the AVX-512 row-lane GEMM.
            int[] tokens = type == WeightType.Q8_0 ? [1, 3, 13, 40] : [1, 3, 13];
            foreach (var level in MatMulTests.Levels())
                foreach (int c in cols)
                    foreach (int n in tokens)
                        data.Add(type, level, c, n);
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Three_products_in_one_job_match_three_separate_products(WeightType type, Level level, int cols, int n)
    {
        var rng = new Random(HashCode.Combine(type, cols, n, 1) & 0x7fffffff);
        var ws = new[] { Matrix(type, 33, cols, rng), Matrix(type, 7, cols, rng), Matrix(type, 1, cols, rng) };
        var x = TestWeights.RandomFloats(n * cols, rng);
        var fused = ws.Select(w => Nan(n * w.Rows)).ToArray();
        var separate = ws.Select(w => Nan(n * w.Rows)).ToArray();
        var reference = ws.Select(w => new float[n * w.Rows]).ToArray();
        using var pool = new WorkerPool(2);
        fixed (float* xp = x, f0 = fused[0], f1 = fused[1], f2 = fused[2])
        {
            MatMul.Multiply(ws[0], ws[1], ws[2], xp, n, f0, f1, f2, pool, level);
            for (int m = 0; m < 3; m++)
                fixed (float* sp = separate[m], rp = reference[m])
                {
                    MatMul.Multiply(ws[m], xp, n, sp, pool, level);
                    ScalarKernels.MatMul(ws[m], xp, n, rp);
                }
        }
        for (int m = 0; m < 3; m++)
        {
            string what = $"q/k/v matrix {m} {type} {level} [{ws[m].Rows}×{cols}] n={n}";
            Assert.True(separate[m].AsSpan().SequenceEqual(fused[m]), $"{what}: differs from the separate product");
            var tolerance = MatMulTests.Tolerances(ws[m], x, n, Int8(type, level, n));
            KernelAssert.Close(reference[m], fused[m], i => tolerance[i], what);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void A_product_added_into_its_destination_matches_product_then_add(WeightType type, Level level, int cols, int n)
    {
        var rng = new Random(HashCode.Combine(type, cols, n, 2) & 0x7fffffff);
        foreach (int rows in cols > 1000 ? new[] { 1, 31, 40 } : new[] { 1, 31, 300 })
        {
            var w = Matrix(type, rows, cols, rng);
            var x = TestWeights.RandomFloats(n * cols, rng);
            var y0 = TestWeights.RandomFloats(n * rows, rng, 4f);
            var fused = (float[])y0.Clone();
            var separate = Nan(n * rows);
            var reference = new float[n * rows];
            using var pool = new WorkerPool(2);
            fixed (float* xp = x, fp = fused, sp = separate, rp = reference)
            {
                MatMul.MultiplyAdd(w, xp, n, fp, pool, level);
                MatMul.Multiply(w, xp, n, sp, pool, level);
                ScalarKernels.MatMul(w, xp, n, rp);
            }
            System.Numerics.Tensors.TensorPrimitives.Add(separate, y0, separate);
            for (int i = 0; i < reference.Length; i++) reference[i] += y0[i];

            string what = $"MultiplyAdd {type} {level} [{rows}×{cols}] n={n}";
            Assert.True(separate.AsSpan().SequenceEqual(fused), $"{what}: differs from product then add");
            var tolerance = MatMulTests.Tolerances(w, x, n, Int8(type, level, n));
            KernelAssert.Close(reference, fused, i => tolerance[i] + U * Math.Abs(reference[i]), what);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gate_and_up_with_silu_mul_in_one_job_match_the_separate_steps(WeightType type, Level level, int cols, int n)
    {
        var rng = new Random(HashCode.Combine(type, cols, n, 3) & 0x7fffffff);
        // 300 (40 for 16 KB rows): several chunks, the last partial and not a multiple of the vector width; 304 (48): whole vectors.
        foreach (int rows in cols > 1000 ? new[] { 1, 40, 48 } : new[] { 1, 7, 300, 304 })
        {
            var wg = Matrix(type, rows, cols, rng);
            var wu = Matrix(type, rows, cols, rng);
            var x = TestWeights.RandomFloats(n * cols, rng);
            float[] gate = Nan(n * rows), up = Nan(n * rows), sepGate = Nan(n * rows), sepUp = Nan(n * rows);
            float[] refGate = new float[n * rows], refUp = new float[n * rows];
            using var pool = new WorkerPool(2);
            fixed (float* xp = x, gp = gate, upp = up, sg = sepGate, su = sepUp, rg = refGate, ru = refUp)
            {
                MatMul.MultiplySwiGlu(wg, wu, xp, n, gp, upp, pool, level);
                MatMul.Multiply(wg, xp, n, sg, pool, level);
                MatMul.Multiply(wu, xp, n, su, pool, level);
                CpuKernels.SiluMul(sg, su, n * rows, level);
                ScalarKernels.MatMul(wg, xp, n, rg);
                ScalarKernels.MatMul(wu, xp, n, ru);
            }
            var tolGate = MatMulTests.Tolerances(wg, x, n, Int8(type, level, n));
            var tolUp = MatMulTests.Tolerances(wu, x, n, Int8(type, level, n));
            var tolerance = new double[n * rows];
            for (int i = 0; i < tolerance.Length; i++)
            {
                double g = refGate[i], silu = g / (1 + Math.Exp(-g));
                tolerance[i] = 1.1 * tolGate[i] * (Math.Abs(refUp[i]) + tolUp[i]) + Math.Abs(silu) * tolUp[i] + 16 * U * Math.Abs(silu * refUp[i]);
            }
            fixed (float* rg = refGate, ru = refUp) ScalarKernels.SiluMul(rg, ru, n * rows);

            string what = $"SwiGLU {type} {level} [{rows}×{cols}] n={n}";
            Assert.True(sepGate.AsSpan().SequenceEqual(gate), $"{what}: differs from the separate products and SiluMul");
            KernelAssert.Close(refGate, gate, i => tolerance[i], what);
        }
    }

    [Fact]
    public void Mismatched_shapes_are_refused_with_the_reason()
    {
        var a = WeightMatrix.FromBytes(WeightType.F32, 2, 4, new byte[32]);
        var b = WeightMatrix.FromBytes(WeightType.F32, 3, 4, new byte[48]);
        var narrow = WeightMatrix.FromBytes(WeightType.F32, 2, 2, new byte[16]);
        using var buffer = NativeBuffer.Allocate(64 * sizeof(float));
        float* p = (float*)buffer.Pointer;
        var rows = Assert.Throws<ArgumentException>(() => MatMul.MultiplySwiGlu(a, b, p, 1, p + 16, p + 32, WorkerPool.Shared));
        Assert.Contains("rows", rows.Message);
        var columns = Assert.Throws<ArgumentException>(() => MatMul.Multiply(a, a, narrow, p, 1, p + 16, p + 32, p + 48, WorkerPool.Shared));
        Assert.Contains("columns", columns.Message);
    }

    /// <summary>Largest integer activation code the path for this shape uses (as MatMulTests states it); 0 for fp32 activations.</summary>
    private static int Int8(WeightType type, Level level, int n) => level == Level.Scalar ? 0 : (type, n >= MatMul.GemmMinTokens(type, level)) switch
    {
        (WeightType.Q8_0 or WeightType.Q4_0, false) => 127,
        (WeightType.Q8_0, true) => level == Level.Avx512 && Splitwise.Kernels.Native.NativeKernels.VnniAvailable ? 127 : 32767,
        _ => 0,
    };

    private static WeightMatrix Matrix(WeightType type, int rows, int cols, Random rng)
        => WeightMatrix.FromBytes(type, rows, cols, TestWeights.Create(type, rows, cols, rng));

    private static float[] Nan(int count)
    {
        var a = new float[count];
        a.AsSpan().Fill(float.NaN);
        return a;
    }
}
