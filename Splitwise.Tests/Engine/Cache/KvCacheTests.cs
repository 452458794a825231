using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Cache;

public class KvCacheTests
{
    /// <summary>
    /// A prompt prefilled in one cache, moved layer by layer into different blocks of another cache, continues there
    /// exactly as it would have in the first: what the prompt→token handoff relies on.
    /// </summary>
    [Theory]
    [InlineData(KvDataType.F32)]
    [InlineData(KvDataType.F16)]
    public void A_sequence_copied_layer_by_layer_decodes_identically_in_the_other_cache(KvDataType type)
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        var c = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(x => x.Name == "long");
        int blocks = (c.PromptIds.Length + 1 + 15) / 16;
        using var source = new KvCache(weights.Config, 32, 16, type);
        using var target = new KvCache(weights.Config, 32, 16, type);
        int[] sourceTable = Enumerable.Range(0, blocks).ToArray();
        int[] targetTable = Enumerable.Range(0, blocks).Select(b => 31 - 2 * b).ToArray();

        using var prompt = new LlamaForward(weights, source, WorkerPool.Shared);
        var logits = prompt.Forward(new ForwardBatch([new BatchSequence(c.PromptIds, 0, sourceTable)])).ToArray();
        int first = Splitwise.Engine.Sampling.Sampler.ArgMax(logits);
        Assert.Equal(c.GreedyIds[0], first);
        for (int layer = 0; layer < weights.Config.LayerCount; layer++)
            source.CopyLayerTo(target, layer, sourceTable, targetTable, c.PromptIds.Length);

        using var token = new LlamaForward(weights, target, WorkerPool.Shared);
        var next = token.Forward(new ForwardBatch([new BatchSequence([first], c.PromptIds.Length, targetTable)]));
        Assert.Equal(c.GreedyIds[1], Splitwise.Engine.Sampling.Sampler.ArgMax(next));
    }

    [Fact]
    public void Copying_between_caches_of_different_shape_is_refused()
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        using var a = new KvCache(weights.Config, 4, 16, KvDataType.F32);
        using var b = new KvCache(weights.Config, 4, 16, KvDataType.F16);
        Assert.Throws<ArgumentException>(() => a.CopyLayerTo(b, 0, [0], [0], 16));
        using var c = new KvCache(weights.Config, 4, 16, KvDataType.F32);
        Assert.Throws<ArgumentException>(() => a.CopyLayerTo(c, 0, [0], [0], 17));
    }
}
