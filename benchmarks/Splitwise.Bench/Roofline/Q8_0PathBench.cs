using System.Diagnostics;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Native;
using Splitwise.Kernels.Threading;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// Q8_0 matmul paths against each other at each batch size, over one 1B-shaped layer (q, k, v, o, gate, up, down):
/// the int8 GEMV (1 token, then 4 per pass over a row), the fp32 panel GEMM, the integer (int16) panel GEMM and, at
/// AVX-512, the int16 row-lane GEMM (16 rows per register, weights transposed in registers) and, where the CPU has
/// AVX-512 VNNI, the native int8 row-lane GEMM (Native/native_kernels.c). Weights cycle
/// through enough copies to come from DRAM, as in a forward pass; the three paths alternate within each repetition so
/// machine noise hits them alike; medians. This is where <c>MatMul.GemmMinTokens</c> comes from.
/// With <c>cpuTime</c> (for a one-thread pool on a shared, oversubscribed machine) it times the process's CPU time
/// instead of the wall clock, so time spent descheduled does not count.
/// </summary>
public static unsafe class Q8_0PathBench
{
    private static readonly (int Rows, int Cols)[] Layer = [(2048, 2048), (512, 2048), (512, 2048), (2048, 2048), (8192, 2048), (8192, 2048), (2048, 8192)];
    private const long CacheDefeatBytes = 128L << 20;

    public static void Run(WorkerPool pool, double fmaPeakGflops, int[] tokenCounts, int repetitions, bool cpuTime, TextWriter output)
    {
        long layerBytes = Layer.Sum(s => WeightTypeInfo.RowBytes(WeightType.Q8_0, s.Cols) * s.Rows);
        int copies = (int)Math.Max(1, (CacheDefeatBytes + layerBytes - 1) / layerBytes);
        var layers = Enumerable.Range(0, copies)
            .Select(c => Layer.Select((s, i) => RandomWeights.Create(WeightType.Q8_0, s.Rows, s.Cols, seed: 1000 * c + i)).ToArray()).ToArray();
        int maxN = tokenCounts.Max();
        using var x = NativeBuffer.Allocate((long)maxN * 8192 * sizeof(float));
        using var y = NativeBuffer.Allocate((long)maxN * 8192 * sizeof(float));
        var rng = new Random(7);
        var xs = x.AsSpan<float>();
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)(rng.NextDouble() * 2 - 1);
        float* xp = (float*)x.Pointer, yp = (float*)y.Pointer;
        double layerMacs = Layer.Sum(s => (double)s.Rows * s.Cols);

        bool rowLanes = CpuFeatures.Level == CpuFeatures.SimdLevel.Avx512, vnni = rowLanes && NativeKernels.VnniAvailable;
        string[] names = vnni ? ["GEMV (int8)", "GEMM fp32", "GEMM int16", "row lanes", "VNNI"]
            : rowLanes ? ["GEMV (int8)", "GEMM fp32", "GEMM int16", "row lanes"] : ["GEMV (int8)", "GEMM fp32", "GEMM int16"];
        output.WriteLine(NativeKernels.Status);
        int variants = names.Length;
        output.WriteLine($"Q8_0 paths over one 1B layer ({layerBytes / 1e6:F0} MB, {copies} copies cycled), {pool.ThreadCount} thread(s), median of {repetitions}; {(cpuTime ? "CPU" : "wall")} ms per layer (GOP/s = 2·MACs / time; FP32 FMA peak {fmaPeakGflops:F0})");
        output.WriteLine();
        output.WriteLine("| tokens | " + string.Join(" | ", names) + " | fastest | int16 GEMM ÷ fp32 GEMM | int16 GEMM ÷ GEMV |" + (rowLanes ? " int16 GEMM ÷ row lanes | GEMV ÷ row lanes |" : "") + (vnni ? " row lanes ÷ VNNI |" : ""));
        output.WriteLine("|---:|" + string.Concat(names.Select(_ => "---:|")) + "---|---:|---:|" + (rowLanes ? "---:|---:|---:|" : ""));
        foreach (int n in tokenCounts)
        {
            var times = new double[variants][];
            for (int v = 0; v < variants; v++) times[v] = new double[repetitions];
            void RunVariant(int v, int copy)
            {
                foreach (var w in layers[copy])
                    MatMul.Multiply(w, xp, n, yp, pool, CpuFeatures.Level, forceGemm: v > 0,
                                    q8Gemm: v switch { 1 => MatMul.Q8_0Gemm.Fp32Panels, 2 => MatMul.Q8_0Gemm.Int16Panels, 3 => MatMul.Q8_0Gemm.RowLanes, _ => MatMul.Q8_0Gemm.Vnni });
            }
            for (int v = 0; v < variants; v++) RunVariant(v, 0); // warm-up: JIT, scratch
            int copy = 0;
            for (int rep = 0; rep < repetitions; rep++)
                for (int v = 0; v < variants; v++)
                {
                    var process = Process.GetCurrentProcess();
                    var cpu0 = process.TotalProcessorTime;
                    long t0 = Stopwatch.GetTimestamp();
                    RunVariant(v, copy = (copy + 1) % copies);
                    process.Refresh();
                    times[v][rep] = cpuTime ? (process.TotalProcessorTime - cpu0).TotalSeconds : Stopwatch.GetElapsedTime(t0).TotalSeconds;
                }
            var med = times.Select(Median).ToArray();
            int best = Array.IndexOf(med, med.Min());
            string Cell(double s) => $"{s * 1e3:F2} ({2 * layerMacs * n / s / 1e9:F0})";
            output.WriteLine($"| {n} | {string.Join(" | ", med.Select(Cell))} | {names[best]} | {med[1] / med[2]:F2}x | {med[0] / med[2]:F2}x |" + (rowLanes ? $" {med[2] / med[3]:F2}x | {med[0] / med[3]:F2}x |" : "") + (vnni ? $" {med[3] / med[4]:F2}x |" : ""));
        }
        foreach (var layer in layers)
            foreach (var w in layer) ((NativeBuffer)w.Owner!).Dispose();
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
