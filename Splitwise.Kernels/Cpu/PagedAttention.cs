using System.Numerics.Tensors;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Causal attention of one query token against a sequence's cached keys and values, read through its block table.
/// Works one block (tile) at a time with an online softmax, so memory stays O(block) however long the context;
/// the query heads that share a KV head (GQA) are done together so each K/V tile is read once.
/// </summary>
public static unsafe class PagedAttention
{
    /// <summary>Floats of scratch that <see cref="Attend"/> needs.</summary>
    public static int ScratchFloats(int groupSize, int headDim, int blockSize)
        => 2 * blockSize * headDim + groupSize * (blockSize + 2);

    /// <param name="query">[groupSize × headDim]: the query heads that share <paramref name="kvHead"/>, RoPE applied.</param>
    /// <param name="contextLength">Positions [0, contextLength) are visible (the causal limit for this token).</param>
    /// <param name="output">[groupSize × headDim], overwritten.</param>
    /// <param name="scratch">At least <see cref="ScratchFloats"/> floats.</param>
    public static void Attend(float* query, int groupSize, int kvHead, in PagedKvView kv, ReadOnlySpan<int> blockTable,
                              int contextLength, float scale, float* output, float* scratch)
    {
        int d = kv.HeadDim, bs = kv.BlockSize;
        float* kTile = scratch;
        float* vTile = kTile + bs * d;
        float* scores = vTile + bs * d;
        float* runningMax = scores + groupSize * bs;
        float* runningSum = runningMax + groupSize;
        for (int g = 0; g < groupSize; g++)
        {
            runningMax[g] = float.NegativeInfinity;
            runningSum[g] = 0;
        }
        new Span<float>(output, groupSize * d).Clear();

        int blocks = (contextLength + bs - 1) / bs;
        for (int b = 0; b < blocks; b++)
        {
            int valid = Math.Min(bs, contextLength - b * bs);
            long offset = kv.Offset(blockTable[b], kvHead);
            float* k = Tile(kv, kv.Keys, offset, valid * d, kTile);
            float* v = Tile(kv, kv.Values, offset, valid * d, vTile);
            for (int g = 0; g < groupSize; g++)
            {
                var q = new ReadOnlySpan<float>(query + g * d, d);
                float* s = scores + g * bs;
                float tileMax = float.NegativeInfinity;
                for (int t = 0; t < valid; t++)
                {
                    s[t] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(k + t * d, d)) * scale;
                    tileMax = MathF.Max(tileMax, s[t]);
                }
                float newMax = MathF.Max(runningMax[g], tileMax);
                float correction = MathF.Exp(runningMax[g] - newMax);
                var acc = new Span<float>(output + g * d, d);
                if (correction != 1f) TensorPrimitives.Multiply(acc, correction, acc);
                float sum = runningSum[g] * correction;
                for (int t = 0; t < valid; t++)
                {
                    float p = MathF.Exp(s[t] - newMax);
                    sum += p;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(v + t * d, d), p, acc, acc);
                }
                runningMax[g] = newMax;
                runningSum[g] = sum;
            }
        }
        for (int g = 0; g < groupSize; g++)
        {
            var acc = new Span<float>(output + g * d, d);
            TensorPrimitives.Multiply(acc, 1f / runningSum[g], acc);
        }
    }

    private static float* Tile(in PagedKvView kv, byte* pool, long offset, int count, float* buffer)
    {
        if (!kv.F16) return (float*)pool + offset;
        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>((Half*)pool + offset, count), new Span<float>(buffer, count));
        return buffer;
    }
}
