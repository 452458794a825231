using System.Diagnostics;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Native;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// The fp16 decode GEMV's compute ceiling: a 768×512 fp16 matrix (768 KB, cache-resident) times one token, managed
/// (software half→float, MatMul.DotF16) against native (vcvtph2ps), interleaved, medians. A GEMV whose ceiling sits
/// near the DRAM bandwidth cannot reach the bandwidth roofline; this shows where each path's ceiling is.
/// </summary>
public static unsafe class F16GemvBench
{
    public static void Run(double bandwidthGBs, int repetitions, TextWriter output)
    {
        const int rows = 512, cols = 768, calls = 2000;
        var w = RandomWeights.Create(WeightType.F16, rows, cols, seed: 3);
        using var x = NativeBuffer.Allocate(cols * sizeof(float));
        using var y = NativeBuffer.Allocate(rows * sizeof(float));
        x.AsSpan<float>().Fill(0.5f);
        float* xp = (float*)x.Pointer, yp = (float*)y.Pointer;
        bool native = NativeKernels.F16Available;
        var times = new List<double>[] { [], [] };
        void Time(int variant)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                if (variant == 1) NativeKernels.F16GemvRows(w.Data, w.RowBytes, rows, cols, xp, yp, 0);
                else
                    for (int r = 0; r < rows; r++) yp[r] = MatMul.DotF16(w.Row(r), xp, cols, CpuFeatures.Level);
            }
            times[variant].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds / calls);
        }
        for (int rep = -1; rep < repetitions; rep++)
            for (int v = 0; v < (native ? 2 : 1); v++)
            {
                Time(v);
                if (rep < 0) times[v].Clear(); // warm-up
            }
        double Median(List<double> t) => t.Order().ElementAt(t.Count / 2);
        double gbs(double s) => (double)rows * cols * 2 / s / 1e9;
        output.WriteLine($"fp16 GEMV, {rows}×{cols} (cache-resident), one thread, median of {repetitions} × {calls} calls; DRAM read bandwidth {bandwidthGBs:F1} GB/s");
        output.WriteLine($"  managed (software half→float): {Median(times[0]) * 1e6:F1} µs, {gbs(Median(times[0])):F1} GB/s");
        if (native)
            output.WriteLine($"  native (vcvtph2ps):            {Median(times[1]) * 1e6:F1} µs, {gbs(Median(times[1])):F1} GB/s ({Median(times[0]) / Median(times[1]):F2}x)");
        else
            output.WriteLine($"  native: {NativeKernels.Status}");
    }
}
