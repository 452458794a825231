using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Kernels.Threading;

namespace Splitwise.Tests.Support;

/// <summary>The logits after the last prompt token, from one prefill pass.</summary>
public static class PromptLogits
{
    public static float[] Compute(LlamaWeights weights, int[] prompt, KvDataType kvType = KvDataType.F32)
    {
        int blocks = (prompt.Length + 15) / 16;
        using var cache = new KvCache(weights.Config, blocks, 16, kvType);
        using var forward = new LlamaForward(weights, cache, WorkerPool.Shared);
        return forward.Forward(new ForwardBatch([new BatchSequence(prompt, 0, Enumerable.Range(0, blocks).ToArray())])).ToArray();
    }
}
