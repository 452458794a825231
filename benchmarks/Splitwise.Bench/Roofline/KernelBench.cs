using System.Diagnostics;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Threading;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// Kernel microbenchmark: for each weight type and each matrix shape of the two reference models, decode GEMV (one token)
/// as GB/s of weights against the measured read bandwidth, and prefill GEMM as GFLOP/s (2·rows·cols per token) against the
/// measured FP32 FMA peak. Medians of several repetitions; variants are interleaved so machine noise hits them alike.
/// </summary>
public static unsafe class KernelBench
{
    /// <summary>[rows, cols] of the matrices in a Llama layer plus the output head: dim 2048 / FFN 8192 (the 1B shape), dim 768 / FFN 2048 (the 160M shape).</summary>
    public static IReadOnlyList<(string Model, int Rows, int Cols)> Shapes { get; } =
    [
        ("1B", 2048, 2048), ("1B", 512, 2048), ("1B", 8192, 2048), ("1B", 2048, 8192), ("1B", 32000, 2048),
        ("160M", 768, 768), ("160M", 256, 768), ("160M", 2048, 768), ("160M", 768, 2048), ("160M", 32000, 768),
    ];

    /// <summary>More than the last-level cache (32 MiB here), so a GEMV never finds its weights cached.</summary>
    private const long CacheDefeatBytes = 128L << 20;

    public static IReadOnlyList<KernelBenchResult> Run(
        WorkerPool pool, double bandwidthGBs, double fmaPeakGflops, TextWriter output,
        IReadOnlyList<WeightType>? types = null, IReadOnlyList<(string Model, int Rows, int Cols)>? shapes = null,
        int prefillTokens = 512, int repetitions = 5)
    {
        types ??= Enum.GetValues<WeightType>();
        shapes ??= Shapes;
        var results = new List<KernelBenchResult>();
        output.WriteLine($"Kernels: {CpuFeatures.Describe()}, bandwidth {bandwidthGBs:F1} GB/s, FP32 FMA peak {fmaPeakGflops:F0} GFLOP/s, prefill {prefillTokens} tokens, median of {repetitions}");
        output.WriteLine();
        output.WriteLine("| type | model | rows × cols | weight MB | GEMV µs | GEMV GB/s | % of bandwidth | GEMM ms | GEMM GFLOP/s | % of FMA peak |");
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        int maxCols = shapes.Max(s => s.Cols), maxRows = shapes.Max(s => s.Rows);
        using var x = NativeBuffer.Allocate((long)prefillTokens * maxCols * sizeof(float));
        using var y = NativeBuffer.Allocate((long)prefillTokens * maxRows * sizeof(float));
        var rng = new Random(1234);
        var xs = x.AsSpan<float>();
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)(rng.NextDouble() * 2 - 1);
        float* xp = (float*)x.Pointer, yp = (float*)y.Pointer;

        foreach (var type in types)
        {
            foreach (var group in shapes.GroupBy(s => s.Model))
            {
                double gemvBytes = 0, gemvSeconds = 0, gemmFlops = 0, gemmSeconds = 0;
                foreach (var (model, rows, cols) in group)
                {
                    if (cols % WeightTypeInfo.BlockElements(type) != 0) continue;
                    // Decode streams each matrix from DRAM, so GEMV cycles through enough copies to defeat the last-level cache.
                    long bytes = WeightTypeInfo.RowBytes(type, cols) * rows;
                    int copies = (int)Math.Clamp((CacheDefeatBytes + bytes - 1) / bytes, 1, 64);
                    var ws = Enumerable.Range(0, copies).Select(c => RandomWeights.Create(type, rows, cols, seed: rows * 31 + cols + c)).ToArray();
                    var w = ws[0];
                    // Warm both paths (JIT, scratch buffers, pages).
                    for (int i = 0; i < 2 * copies; i++) MatMul.Multiply(ws[i % copies], xp, 1, yp, pool);
                    MatMul.Multiply(w, xp, prefillTokens, yp, pool);
                    int gemvInner = Math.Max(copies, (int)Math.Clamp(2e8 / w.TotalBytes, 3, 200));
                    var gemv = new double[repetitions];
                    var gemm = new double[repetitions];
                    for (int rep = 0; rep < repetitions; rep++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        for (int i = 0; i < gemvInner; i++) MatMul.Multiply(ws[i % copies], xp, 1, yp, pool);
                        gemv[rep] = Stopwatch.GetElapsedTime(t0).TotalSeconds / gemvInner;
                        t0 = Stopwatch.GetTimestamp();
                        MatMul.Multiply(w, xp, prefillTokens, yp, pool);
                        gemm[rep] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    }
                    double gemvMedian = Median(gemv), gemmMedian = Median(gemm);
                    double flops = 2.0 * rows * cols * prefillTokens;
                    var r = new KernelBenchResult(type, rows, cols, w.TotalBytes, gemvMedian, w.TotalBytes / gemvMedian / 1e9,
                        w.TotalBytes / gemvMedian / 1e9 / bandwidthGBs, prefillTokens, gemmMedian, flops / gemmMedian / 1e9,
                        flops / gemmMedian / 1e9 / fmaPeakGflops);
                    results.Add(r);
                    gemvBytes += w.TotalBytes; gemvSeconds += gemvMedian; gemmFlops += flops; gemmSeconds += gemmMedian;
                    output.WriteLine($"| {type} | {model} | {rows} × {cols} | {w.TotalBytes / 1e6:F1} | {gemvMedian * 1e6:F0} | {r.GemvGBPerSecond:F1} | {r.GemvFractionOfBandwidth:P0} | {gemmMedian * 1e3:F1} | {r.GemmGflops:F0} | {r.GemmFractionOfFmaPeak:P0} |");
                    foreach (var c in ws) ((NativeBuffer)c.Owner!).Dispose();
                }
                if (gemvSeconds > 0)
                    output.WriteLine($"| **{type}** | **{group.Key} all** | | {gemvBytes / 1e6:F1} | {gemvSeconds * 1e6:F0} | {gemvBytes / gemvSeconds / 1e9:F1} | **{gemvBytes / gemvSeconds / 1e9 / bandwidthGBs:P0}** | {gemmSeconds * 1e3:F1} | {gemmFlops / gemmSeconds / 1e9:F0} | **{gemmFlops / gemmSeconds / 1e9 / fmaPeakGflops:P0}** |");
            }
        }
        return results;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
