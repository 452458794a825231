using Splitwise.Kernels.Cpu;

namespace Splitwise.Kernels.Reference;

/// <summary>The attention spec: scores for every visible position, a full softmax, then the weighted sum of values.</summary>
public static unsafe class ScalarAttention
{
    public static void Attend(float* query, int groupSize, int kvHead, in PagedKvView kv, ReadOnlySpan<int> blockTable,
                              int contextLength, float scale, float* output)
    {
        int d = kv.HeadDim;
        var scores = new float[contextLength];
        for (int g = 0; g < groupSize; g++)
        {
            float* q = query + g * d;
            for (int t = 0; t < contextLength; t++)
            {
                long offset = kv.Offset(blockTable[t / kv.BlockSize], kvHead) + (long)(t % kv.BlockSize) * d;
                float dot = 0;
                for (int i = 0; i < d; i++) dot += q[i] * Read(kv, kv.Keys, offset + i);
                scores[t] = dot * scale;
            }
            fixed (float* s = scores) ScalarKernels.Softmax(s, contextLength);
            for (int i = 0; i < d; i++)
            {
                float acc = 0;
                for (int t = 0; t < contextLength; t++)
                {
                    long offset = kv.Offset(blockTable[t / kv.BlockSize], kvHead) + (long)(t % kv.BlockSize) * d;
                    acc += scores[t] * Read(kv, kv.Values, offset + i);
                }
                output[g * d + i] = acc;
            }
        }
    }

    private static float Read(in PagedKvView kv, byte* pool, long element)
        => kv.F16 ? (float)((Half*)pool)[element] : ((float*)pool)[element];
}
