using System.Diagnostics;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// Decode attention (one query token, one GQA group) on one thread, the KV read from DRAM as in a forward pass: the
/// pool holds enough layers' KV to defeat the caches and each pass reads the next layer's. Prints µs per KV head and the
/// KV bytes per second it reached, beside the same with the KV cache-resident (one layer, repeated).
/// </summary>
public static unsafe class AttentionBench
{
    private const long CacheDefeatBytes = 256L << 20;

    public static void Run(int context, int headDim, int kvHeads, int groupSize, bool f16, int repetitions, TextWriter output)
    {
        const int blockSize = 16;
        int blocks = (context + 1 + blockSize - 1) / blockSize;
        int elementBytes = f16 ? 2 : 4;
        long layerBytes = 2L * blocks * kvHeads * blockSize * headDim * elementBytes;
        int layers = (int)Math.Max(2, CacheDefeatBytes / layerBytes);
        using var keys = NativeBuffer.Allocate(layerBytes / 2 * layers);
        using var values = NativeBuffer.Allocate(layerBytes / 2 * layers);
        var rng = new Random(3);
        FillRandom(keys, f16, rng);
        FillRandom(values, f16, rng);
        int queryDim = kvHeads * groupSize * headDim;
        using var query = NativeBuffer.Allocate((long)queryDim * sizeof(float));
        using var result = NativeBuffer.Allocate((long)queryDim * sizeof(float));
        var q = query.AsSpan<float>();
        for (int i = 0; i < q.Length; i++) q[i] = (float)(rng.NextDouble() * 2 - 1);
        var table = Enumerable.Range(0, blocks).ToArray();
        float* scratch = stackalloc float[PagedAttention.ScratchFloats(1, groupSize, headDim, blockSize)];
        float scale = 1f / MathF.Sqrt(headDim);

        double Pass(int layer)
        {
            long layerOffset = layerBytes / 2 * layer;
            var kv = new PagedKvView((byte*)keys.Pointer + layerOffset, (byte*)values.Pointer + layerOffset, kvHeads, headDim, blockSize, f16);
            long t0 = Stopwatch.GetTimestamp();
            for (int h = 0; h < kvHeads; h++)
            {
                long offset = (long)h * groupSize * headDim;
                PagedAttention.Attend((float*)query.Pointer + offset, queryDim, 1, groupSize, h, kv, table, context + 1, scale,
                                      (float*)result.Pointer + offset, scratch);
            }
            return Stopwatch.GetElapsedTime(t0).TotalSeconds / kvHeads;
        }

        for (int l = 0; l < layers; l++) Pass(l); // warm-up: JIT, page faults
        var cold = new double[repetitions];
        var hot = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            cold[r] = Pass(r % layers);
            hot[r] = Pass(0);
            hot[r] = Pass(0);
        }
        double perHeadBytes = layerBytes / (double)kvHeads;
        output.WriteLine($"decode attention, context {context}, head_dim {headDim}, group {groupSize}, {(f16 ? "F16" : "F32")} KV, one thread, {repetitions} reps:");
        foreach (var (name, times) in new[] { ("DRAM", cold), ("cache", hot) })
        {
            Array.Sort(times);
            double median = times[times.Length / 2], min = times[0];
            output.WriteLine($"  {name,-6} median {median * 1e6,7:F2} µs per KV head ({perHeadBytes / median / 1e9,5:F1} GB/s), min {min * 1e6,7:F2} µs ({perHeadBytes / min / 1e9,5:F1} GB/s)");
        }
    }

    private static void FillRandom(NativeBuffer buffer, bool f16, Random rng)
    {
        if (f16)
        {
            var h = new Span<Half>(buffer.Pointer, (int)(buffer.Length / 2));
            for (int i = 0; i < h.Length; i++) h[i] = (Half)(rng.NextDouble() * 2 - 1);
        }
        else
        {
            var f = new Span<float>(buffer.Pointer, (int)(buffer.Length / 4));
            for (int i = 0; i < f.Length; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
        }
    }
}
