using System.Runtime.CompilerServices;
using System.Diagnostics;
using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Threading;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// Decode attention (one query token, one GQA group) on one thread, the KV read from DRAM as in a forward pass: the
/// pool holds enough layers' KV to defeat the caches and each pass reads the next layer's. Prints µs per KV head and the
/// KV bytes per second it reached, beside the same with the KV cache-resident (one layer, repeated), and a whole layer's
/// heads run over the pool from DRAM as the managed path runs them ("pooled": time per KV head, all threads streaming),
/// and the same layer through <see cref="DecodeAttention"/> ("native": chunks of whole blocks, as a decode step runs it
/// where the native kernel loads).
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

        // As the forward pass runs it: one chunk per KV head, spread over the pool, all threads streaming at once.
        var pool = WorkerPool.Shared;
        var job = new LayerJob { Keys = keys.Pointer, Values = values.Pointer, Query = (float*)query.Pointer, Output = (float*)result.Pointer,
                                 Table = table, KvHeads = kvHeads, HeadDim = headDim, BlockSize = blockSize, Group = groupSize, F16 = f16,
                                 Context = context + 1, Scale = scale };
        double PooledPass(int layer)
        {
            job.LayerOffset = layerBytes / 2 * layer;
            long t0 = Stopwatch.GetTimestamp();
            pool.For(kvHeads, ref job);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds / kvHeads;
        }

        // As the forward pass runs a decode step where the native kernel loads: chunks of blocks with every KV head.
        using var decode = new DecodeAttention();
        int[] contexts = [context + 1];
        int[][] tables = [table];
        bool native = DecodeAttention.Supports(new PagedKvView(keys.Pointer, values.Pointer, kvHeads, headDim, blockSize, f16));
        double NativePass(int layer)
        {
            long layerOffset = layerBytes / 2 * layer;
            var kv = new PagedKvView((byte*)keys.Pointer + layerOffset, (byte*)values.Pointer + layerOffset, kvHeads, headDim, blockSize, f16);
            long t0 = Stopwatch.GetTimestamp();
            decode.Run((float*)query.Pointer, queryDim, contexts, tables, kv, groupSize, scale, (float*)result.Pointer, pool);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds / kvHeads;
        }

        for (int l = 0; l < layers; l++) { Pass(l); PooledPass(l); if (native) NativePass(l); } // warm-up: JIT, page faults
        var cold = new double[repetitions];
        var hot = new double[repetitions];
        var pooled = new double[repetitions];
        var split = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            cold[r] = Pass(r % layers);
            pooled[r] = PooledPass((r + layers / 2) % layers);
            if (native) split[r] = NativePass((r + layers / 3) % layers);
            hot[r] = Pass(0);
            hot[r] = Pass(0);
        }
        double perHeadBytes = layerBytes / (double)kvHeads;
        output.WriteLine($"decode attention, context {context}, head_dim {headDim}, group {groupSize}, {(f16 ? "F16" : "F32")} KV, {repetitions} reps (DRAM and cache: one thread; pooled: {WorkerPool.Shared.ThreadCount} threads):");
        var rows = new List<(string, double[])> { ("DRAM", cold), ("cache", hot), ("pooled", pooled) };
        if (native) rows.Add(("native", split));
        foreach (var (name, times) in rows)
        {
            Array.Sort(times);
            double median = times[times.Length / 2], min = times[0];
            output.WriteLine($"  {name,-6} median {median * 1e6,7:F2} µs per KV head ({perHeadBytes / median / 1e9,5:F1} GB/s), min {min * 1e6,7:F2} µs ({perHeadBytes / min / 1e9,5:F1} GB/s)");
        }
    }

    /// <summary>One layer's decode attention, a chunk per KV head, as LlamaForward hands it to the pool.</summary>
    private struct LayerJob : IParallelJob
    {
        public byte* Keys, Values;
        public long LayerOffset;
        public float* Query, Output;
        public int[] Table;
        public int KvHeads, HeadDim, BlockSize, Group, Context;
        public bool F16;
        public float Scale;

        [SkipLocalsInit]
        public readonly void Execute(int kvHead)
        {
            var kv = new PagedKvView(Keys + LayerOffset, Values + LayerOffset, KvHeads, HeadDim, BlockSize, F16);
            float* scratch = stackalloc float[PagedAttention.ScratchFloats(1, Group, HeadDim, BlockSize)];
            long offset = (long)kvHead * Group * HeadDim;
            PagedAttention.Attend(Query + offset, KvHeads * Group * HeadDim, 1, Group, kvHead, kv, Table, Context, Scale, Output + offset, scratch);
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
