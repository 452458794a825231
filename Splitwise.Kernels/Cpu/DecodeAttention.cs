using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Splitwise.Kernels.Native;
using Splitwise.Kernels.Threading;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Attention for a decode step (every sequence adds one token) through the native kernel, split by KV tiles instead
/// of by KV head. A chunk is a range of one sequence's blocks with every KV head, so each thread reads whole blocks
/// ([kvHead][slot][d] is contiguous within a block) front to back; one chunk per KV head read a head's slice of every
/// block, 2 KB out of each 8 KB, and left a one-sequence step with as many chunks as KV heads. In a two-core C test of
/// a layer's cold KV (512 positions, 4 KV heads, fp16) whole blocks per thread read in 16 µs, head slices in 22-25.
/// Within a chunk the kernel takes one block at a time, K then V, with an online softmax.
/// Each chunk leaves its heads' unnormalized outputs, maximum scores and weight sums; the caller's thread merges a
/// sequence's chunks afterwards (a few multiply-adds per head per chunk).
/// </summary>
public sealed unsafe class DecodeAttention : IDisposable
{
    /// <summary>Tiles (16 positions each) one chunk takes at most: past this a sequence is split even when the batch has work enough.</summary>
    public const int MaxChunkTiles = 64;

    private NativeBuffer _partials = NativeBuffer.Allocate(0);
    private int[] _chunkToken = [];
    private int[] _chunkStart = [];
    private int[] _chunkEnd = [];
    private int[] _firstChunk = [];
    private int[] _contexts = [];

    /// <summary>Whether the native kernel runs this cache: it is loaded, blocks are 16 slots, and the head size is 16..256 in whole vectors.</summary>
    public static bool Supports(in PagedKvView kv)
        => NativeKernels.AttendDecode != null && kv.BlockSize == 16 && kv.HeadDim % 16 == 0 && kv.HeadDim is > 0 and <= 256;

    /// <summary>
    /// Attention of token t (t &lt; contexts.Length) against the first contexts[t] positions of blockTables[t]:
    /// heads kvHead·groupSize + g of query + t·queryStride, written to output at the same place.
    /// </summary>
    public void Run(float* query, int queryStride, ReadOnlySpan<int> contexts, IReadOnlyList<int[]> blockTables, in PagedKvView kv,
                    int groupSize, float scale, float* output, WorkerPool pool)
    {
        if (!Supports(kv)) throw new NotSupportedException("The native decode attention is not loaded or does not take this KV layout; check Supports first.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupSize);
        if (blockTables.Count != contexts.Length) throw new ArgumentException($"{contexts.Length} contexts but {blockTables.Count} block tables.", nameof(blockTables));
        int tokens = contexts.Length, heads = kv.KvHeadCount * groupSize, d = kv.HeadDim;
        if (tokens == 0) return;
        if (queryStride < heads * d) throw new ArgumentOutOfRangeException(nameof(queryStride), queryStride, $"A token's {heads} heads of {d} need {heads * d} floats.");
        int chunks = Plan(contexts, blockTables, pool.ThreadCount);
        long partialFloats = (long)chunks * heads * (d + 2);
        if (_partials.Length < partialFloats * sizeof(float))
        {
            _partials.Dispose();
            _partials = NativeBuffer.Allocate(partialFloats * sizeof(float), zero: false);
        }
        float* partials = (float*)_partials.Pointer;
        if (_contexts.Length < tokens) _contexts = new int[tokens];
        contexts.CopyTo(_contexts);
        var job = new ChunkJob
        {
            Query = query, QueryStride = queryStride, Contexts = _contexts, BlockTables = blockTables, Kv = kv,
            Group = groupSize, Scale = scale, ChunkToken = _chunkToken, ChunkStart = _chunkStart, ChunkEnd = _chunkEnd,
            Outputs = partials, Maxima = partials + (long)chunks * heads * d, Sums = partials + (long)chunks * heads * (d + 1),
            Heads = heads,
        };
        pool.For(chunks, ref job);
        for (int t = 0; t < tokens; t++)
            Merge(job, _firstChunk[t], _firstChunk[t + 1], output + (long)t * queryStride, d);
    }

    /// <summary>
    /// Splits each sequence's tiles into equal chunks: about two per thread over the whole batch (so a slow core does not
    /// hold up the step), none longer than <see cref="MaxChunkTiles"/>. Returns the chunk count.
    /// </summary>
    private int Plan(ReadOnlySpan<int> contexts, IReadOnlyList<int[]> blockTables, int threads)
    {
        long totalTiles = 0;
        for (int t = 0; t < contexts.Length; t++)
        {
            int tiles = Tiles(contexts[t]);
            if (contexts[t] <= 0) throw new ArgumentOutOfRangeException(nameof(contexts), contexts[t], $"Token {t} sees no positions.");
            if (blockTables[t].Length < tiles)
                throw new ArgumentException($"Token {t} sees {contexts[t]} positions, which need {tiles} blocks; its block table has {blockTables[t].Length}.");
            totalTiles += tiles;
        }
        int per = 2 * threads;
        int perChunk = (int)Math.Clamp((totalTiles + per - 1) / per, 1, MaxChunkTiles);
        if (_firstChunk.Length < contexts.Length + 1) _firstChunk = new int[contexts.Length + 1];
        int chunks = 0;
        for (int t = 0; t < contexts.Length; t++)
        {
            _firstChunk[t] = chunks;
            chunks += (Tiles(contexts[t]) + perChunk - 1) / perChunk;
        }
        _firstChunk[contexts.Length] = chunks;
        if (_chunkToken.Length < chunks)
        {
            _chunkToken = new int[chunks];
            _chunkStart = new int[chunks];
            _chunkEnd = new int[chunks];
        }
        for (int t = 0; t < contexts.Length; t++)
        {
            int tiles = Tiles(contexts[t]), count = _firstChunk[t + 1] - _firstChunk[t];
            for (int i = 0; i < count; i++)
            {
                int c = _firstChunk[t] + i;
                _chunkToken[c] = t;
                _chunkStart[c] = (int)((long)tiles * i / count);
                _chunkEnd[c] = (int)((long)tiles * (i + 1) / count);
            }
        }
        return chunks;
    }

    private static int Tiles(int context) => (context + 15) / 16;

    /// <summary>
    /// out_h = Σ_c e^(m_c − M)·o_c / Σ_c e^(m_c − M)·s_c over a token's chunks c, M the largest m_c. Head sizes are whole
    /// vectors (<see cref="Supports"/>) and the native kernel needs AVX-512, so 16 floats at a time with no tail.
    /// </summary>
    private static void Merge(in ChunkJob job, int first, int end, float* output, int d)
    {
        int heads = job.Heads, count = end - first;
        float* weights = stackalloc float[count];
        for (int h = 0; h < heads; h++)
        {
            float max = float.NegativeInfinity;
            for (int c = 0; c < count; c++) max = MathF.Max(max, job.Maxima[(long)(first + c) * heads + h]);
            float sum = 0;
            for (int c = 0; c < count; c++)
            {
                long at = (long)(first + c) * heads + h;
                weights[c] = count == 1 ? 1f : MathF.Exp(job.Maxima[at] - max);
                sum += weights[c] * job.Sums[at];
            }
            var inverse = Vector512.Create(1f / sum);
            for (int x = 0; x < d; x += 16)
            {
                var acc = Vector512<float>.Zero;
                for (int c = 0; c < count; c++)
                    acc = Vector512.FusedMultiplyAdd(Vector512.Create(weights[c]), Vector512.Load(job.Outputs + ((long)(first + c) * heads + h) * d + x), acc);
                (acc * inverse).Store(output + (long)h * d + x);
            }
        }
    }

    private struct ChunkJob : IParallelJob
    {
        public float* Query;
        public int QueryStride;
        public int[] Contexts;
        public IReadOnlyList<int[]> BlockTables;
        public PagedKvView Kv;
        public int Group, Heads;
        public float Scale;
        public int[] ChunkToken, ChunkStart, ChunkEnd;
        public float* Outputs, Maxima, Sums;

        // The scratch (a block's scores per head, then their corrections) is written before it is read.
        [SkipLocalsInit]
        public readonly void Execute(int chunk)
        {
            int t = ChunkToken[chunk], d = Kv.HeadDim;
            float* scratch = stackalloc float[Heads * 17];
            fixed (int* table = BlockTables[t])
                NativeKernels.AttendDecode(Query + (long)t * QueryStride, Kv.Keys, Kv.Values, table, ChunkStart[chunk], ChunkEnd[chunk],
                                           Contexts[t], Kv.KvHeadCount, Group, d, Kv.F16 ? 1 : 0, Scale,
                                           Outputs + (long)chunk * Heads * d, Maxima + (long)chunk * Heads, Sums + (long)chunk * Heads, scratch);
        }
    }

    public void Dispose() => _partials.Dispose();
}
