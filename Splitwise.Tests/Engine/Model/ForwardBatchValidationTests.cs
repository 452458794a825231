using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Kernels.Threading;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Model;

/// <summary>
/// A batch the forward pass cannot run is refused with a message before any kernel touches the cache: the kernels index
/// it with the batch's positions, token ids and block ids unchecked.
/// </summary>
public sealed class ForwardBatchValidationTests
{
    [Theory]
    [InlineData(new[] { 0, 4 }, "block 4, outside the KV cache's 4 blocks")]
    [InlineData(new[] { -1, 1 }, "block -1, outside the KV cache's 4 blocks")]
    [InlineData(new[] { 0 }, "needs 2 KV blocks for 20 tokens, its block table has 1")]
    public void A_block_table_the_cache_cannot_serve_is_refused(int[] table, string message)
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        using var cache = new KvCache(weights.Config, 4, 16, KvDataType.F32);
        using var forward = new LlamaForward(weights, cache, WorkerPool.Shared);
        var prompt = Enumerable.Range(1, 20).ToArray();
        var error = Assert.Throws<ArgumentException>(() => forward.Forward(new ForwardBatch([new BatchSequence(prompt, 0, table)])));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_token_outside_the_vocabulary_is_refused()
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        using var cache = new KvCache(weights.Config, 4, 16, KvDataType.F32);
        using var forward = new LlamaForward(weights, cache, WorkerPool.Shared);
        var error = Assert.Throws<ArgumentException>(() => forward.Forward(new ForwardBatch([new BatchSequence([1, weights.Config.VocabSize], 0, [0])])));
        Assert.Contains($"Token id {weights.Config.VocabSize} is outside the vocabulary", error.Message);
    }
}
