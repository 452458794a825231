using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Native;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The native AVX-512 VNNI row-lane Q8_0 GEMM (Native/native_kernels.c) against ScalarKernels.MatMul at sizes off every
/// edge: rows 1/15/17/33/100 (partial 16-row tiles), blocks 1/9/129 (the prefetch distance of 8 crossed or not),
/// tokens 1..17 (each compile-time group size of the kernel, and 16 + 1), 33/65/130 (several 16-token groups and
/// several 64-token chunks). Tolerance: int8 activation rounding (the GEMV's codes) plus fp32 sums, as for the GEMV.
/// A CPU that reports AVX-512 VNNI must have the kernel loaded, so a broken build cannot fall back unnoticed.
/// </summary>
public sealed unsafe class MatMulQ8_0VnniTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int rows in new[] { 1, 15, 17, 33 })
            foreach (int blocks in new[] { 1, 9 })
                foreach (int n in new[] { 1, 2, 3, 5, 8, 13, 16, 17, 33 })
                    data.Add(rows, blocks * 32, n);
        for (int n = 1; n <= 16; n++) data.Add(16, 2 * 32, n);
        data.Add(100, 129 * 32, 5);
        data.Add(48, 129 * 32, 65);
        data.Add(7, 4 * 32, 130);
        return data;
    }

    [Fact]
    public void A_cpu_with_avx512_vnni_gets_the_native_kernel()
    {
        bool cpuHasVnni = OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")
            && File.ReadAllText("/proc/cpuinfo").Split(' ', '\n', '\t').Contains("avx512_vnni")
            && CpuFeatures.Level == Level.Avx512
            && Environment.GetEnvironmentVariable("SPLITWISE_NATIVE") is null;
        Assert.Equal(cpuHasVnni, NativeKernels.VnniAvailable);
        Assert.Contains(NativeKernels.VnniAvailable ? "VNNI GEMM and GEMV on" : "off", NativeKernels.Status);
        // Every AVX-512 CPU with the library loaded runs the fp16 GEMV too.
        if (cpuHasVnni) Assert.True(NativeKernels.F16Available, NativeKernels.Status);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Vnni_gemm_matches_the_scalar_reference(int rows, int cols, int n)
    {
        if (!NativeKernels.VnniAvailable)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Run(rows, cols, n));
            return;
        }
        var (expected, actual, tolerance) = Run(rows, cols, n);
        KernelAssert.Close(expected, actual, i => tolerance[i], $"Q8_0 VNNI GEMM [{rows}×{cols}] n={n} (index = token·{rows} + row)");
    }

    private static (float[] Expected, float[] Actual, double[] Tolerance) Run(int rows, int cols, int n)
        => MatMulTests.RunQ8_0Gemm(rows, cols, n, HashCode.Combine(rows, cols, n, 18), Level.Avx512, MatMul.Q8_0Gemm.Vnni, activationCodes: 127);

    /// <summary>
    /// The largest block sums both ways: weights −128 (which the kernel's +128 turns into 0) and 127 (255), against
    /// activations that all quantize to +127 or −127. Each lane's block sum then reaches ±32·128·127 plus the
    /// −128·Σcodes start; the result must be exactly w·cols per output.
    /// </summary>
    [Theory]
    [InlineData(-128, 1f)]
    [InlineData(-128, -1f)]
    [InlineData(127, 1f)]
    [InlineData(127, -1f)]
    public void Extreme_codes_are_exact(int code, float activation)
    {
        if (!NativeKernels.VnniAvailable) return;
        const int rows = 19, blocks = 9, n = 5, cols = blocks * 32;
        var w = MatMulTests.UniformQ8_0(rows, cols, (sbyte)code);
        var x = new float[n * cols];
        x.AsSpan().Fill(activation);
        var y = new float[n * rows];
        using var pool = new WorkerPool(2);
        fixed (float* xp = x, yp = y) MatMul.Multiply(w, xp, n, yp, pool, Level.Avx512, forceGemm: true, q8Gemm: MatMul.Q8_0Gemm.Vnni);
        float exact = code * activation * cols;
        Assert.All(y, v => Assert.Equal(exact, v, 1e-4f * Math.Abs(exact)));
    }

    /// <summary>With VNNI the native kernel takes every Q8_0 batch from 2 tokens up, prefill sizes included; the GEMV keeps 1 token.</summary>
    [Fact]
    public void Dispatch_picks_vnni_for_every_batch_when_available()
    {
        if (!NativeKernels.VnniAvailable)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Vnni, 4, Level.Avx512));
            return;
        }
        foreach (int n in new[] { 2, 16, MatMul.RowLanesMaxTokens + 1, 512 })
            Assert.Equal(MatMul.Q8_0Gemm.Vnni, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Auto, n, Level.Avx512));
        Assert.Equal(MatMul.Q8_0Gemm.Int16Panels, MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Auto, 16, Level.Avx2));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMul.PickQ8_0Gemm(MatMul.Q8_0Gemm.Vnni, 4, Level.Avx2));
        Assert.Equal(2, MatMul.GemmMinTokens(WeightType.Q8_0, Level.Avx512));
    }
}
