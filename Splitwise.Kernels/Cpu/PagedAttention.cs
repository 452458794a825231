using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Causal attention of a run of consecutive query tokens of one sequence against its cached keys and values,
/// read through the block table. Works one block (tile) at a time with an online softmax, so memory stays
/// O(block) however long the context. Each K tile is transposed once to [headDim][slot] so scores for a whole
/// tile come from broadcast FMAs across slots (no horizontal sums), and the tile is shared by every query head
/// of the GQA group and every token of the run.
/// </summary>
public static unsafe class PagedAttention
{
    /// <summary>Floats of scratch that <see cref="Attend"/> needs for a run of <paramref name="runLength"/> tokens.</summary>
    public static int ScratchFloats(int runLength, int groupSize, int headDim, int blockSize)
        => 2 * blockSize * headDim + blockSize + 2 * runLength * groupSize + 16;

    /// <param name="query">Token i of the run, head g of the group at query + i·queryStride + g·headDim; RoPE applied.</param>
    /// <param name="firstContextLength">Visible positions of the run's first token; token i sees firstContextLength + i.</param>
    /// <param name="output">Same layout as <paramref name="query"/>, overwritten.</param>
    public static void Attend(float* query, long queryStride, int runLength, int groupSize, int kvHead, in PagedKvView kv,
                              ReadOnlySpan<int> blockTable, int firstContextLength, float scale, float* output, float* scratch)
    {
        int d = kv.HeadDim, bs = kv.BlockSize, heads = runLength * groupSize;
        float* kT = scratch;                  // [d][bs]
        float* vBuffer = kT + bs * d;         // [bs][d] when V is fp16
        float* scores = vBuffer + bs * d;     // [bs]
        float* runningMax = scores + bs;      // [run × group]
        float* runningSum = runningMax + heads;
        for (int h = 0; h < heads; h++)
        {
            runningMax[h] = float.NegativeInfinity;
            runningSum[h] = 0;
        }
        for (int i = 0; i < runLength; i++) new Span<float>(output + i * queryStride, groupSize * d).Clear();

        int lastContext = firstContextLength + runLength - 1;
        int blocks = (lastContext + bs - 1) / bs;
        for (int b = 0; b < blocks; b++)
        {
            int tileStart = b * bs;
            int tileValid = Math.Min(bs, lastContext - tileStart);
            long offset = kv.Offset(blockTable[b], kvHead);
            LoadTransposedKeys(kv, offset, tileValid, kT);
            float* v = kv.F16 ? Convert((Half*)kv.Values + offset, tileValid * d, vBuffer) : (float*)kv.Values + offset;

            for (int i = 0; i < runLength; i++)
            {
                int valid = Math.Min(bs, firstContextLength + i - tileStart);
                if (valid <= 0) continue;
                for (int g = 0; g < groupSize; g++)
                {
                    float* q = query + i * queryStride + g * d;
                    float* acc = output + i * queryStride + g * d;
                    int h = i * groupSize + g;
                    TileScores(q, kT, d, bs, valid, scale, scores);
                    float tileMax = float.NegativeInfinity;
                    for (int t = 0; t < valid; t++) tileMax = MathF.Max(tileMax, scores[t]);
                    float newMax = MathF.Max(runningMax[h], tileMax);
                    float correction = MathF.Exp(runningMax[h] - newMax);
                    if (correction != 1f) Scale(acc, d, correction);
                    float sum = runningSum[h] * correction;
                    for (int t = 0; t < valid; t++)
                    {
                        float p = MathF.Exp(scores[t] - newMax);
                        sum += p;
                        CpuKernels.Axpy(p, v + t * d, acc, d);
                    }
                    runningMax[h] = newMax;
                    runningSum[h] = sum;
                }
            }
        }
        for (int i = 0; i < runLength; i++)
            for (int g = 0; g < groupSize; g++)
                Scale(output + i * queryStride + g * d, d, 1f / runningSum[i * groupSize + g]);
    }

    /// <summary>kT[c][t] = K[t][c] for the first <paramref name="valid"/> slots; the rest of each row is zeroed.</summary>
    private static void LoadTransposedKeys(in PagedKvView kv, long offset, int valid, float* kT)
    {
        int d = kv.HeadDim, bs = kv.BlockSize;
        if (valid < bs) new Span<float>(kT, d * bs).Clear();
        if (kv.F16)
        {
            Half* k = (Half*)kv.Keys + offset;
            for (int t = 0; t < valid; t++)
                for (int c = 0; c < d; c++) kT[c * bs + t] = (float)k[t * d + c];
        }
        else
        {
            float* k = (float*)kv.Keys + offset;
            for (int t = 0; t < valid; t++)
                for (int c = 0; c < d; c++) kT[c * bs + t] = k[t * d + c];
        }
    }

    /// <summary>scores[t] = scale · Σ_c q[c]·kT[c][t] for t &lt; valid.</summary>
    internal static void TileScores(float* q, float* kT, int d, int bs, int valid, float scale, float* scores)
    {
        if (bs == 16 && Vector512.IsHardwareAccelerated && CpuFeatures.UseAvx512)
        {
            var s = Vector512<float>.Zero;
            for (int c = 0; c < d; c++) s = Vector512.FusedMultiplyAdd(Vector512.Create(q[c]), Vector512.Load(kT + c * 16), s);
            (s * scale).Store(scores);
            return;
        }
        if (bs % 8 == 0 && Vector256.IsHardwareAccelerated && CpuFeatures.UseAvx2)
        {
            for (int t0 = 0; t0 < valid; t0 += 8)
            {
                var s = Vector256<float>.Zero;
                for (int c = 0; c < d; c++) s = Vector256.FusedMultiplyAdd(Vector256.Create(q[c]), Vector256.Load(kT + c * bs + t0), s);
                (s * scale).Store(scores + t0);
            }
            return;
        }
        for (int t = 0; t < valid; t++)
        {
            float s = 0;
            for (int c = 0; c < d; c++) s += q[c] * kT[c * bs + t];
            scores[t] = s * scale;
        }
    }

    private static void Scale(float* x, int d, float a)
    {
        var span = new Span<float>(x, d);
        TensorPrimitives.Multiply(span, a, span);
    }

    private static float* Convert(Half* src, int count, float* dst)
    {
        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(src, count), new Span<float>(dst, count));
        return dst;
    }
}
