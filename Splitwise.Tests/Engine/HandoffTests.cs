using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine;

/// <summary>
/// The phase split at engine level: one engine prefills and samples the first token while its layer sink copies each
/// layer's KV into blocks reserved on a second engine, which then decodes the rest. The result must be exactly
/// the unsplit greedy output.
/// </summary>
public class HandoffTests
{
    public static TheoryData<string> Cases() => new(GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Select(c => c.Name));

    [Theory, MemberData(nameof(Cases))]
    public void Prefill_on_one_engine_and_decode_on_another_gives_the_reference_output(string caseName)
    {
        var c = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(x => x.Name == caseName);
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        // A small step budget makes the prompt engine prefill long prompts in chunks, so layers are copied several times.
        using var prompt = new LlmEngine(weights, new EngineOptions { Scheduler = new() { MaxBatchedTokens = 64, EnablePrefixCaching = false } });
        using var token = new LlmEngine(weights, new EngineOptions());
        var greedy = new SamplingParams { Temperature = 0, MaxTokens = 32, IgnoreEos = true };

        var reserved = token.ReserveForHandoff(c.PromptIds, greedy);
        Assert.NotNull(reserved);
        Assert.Equal(SequenceStatus.AwaitingKv, reserved!.Status);
        Assert.False(token.HasWork); // a sequence waiting for KV is not stepped

        var sink = new CacheToCacheSink();
        prompt.LayerSink = sink;
        var prefill = prompt.AddRequest(c.PromptIds, greedy with { MaxTokens = 1 });
        sink.Route(prefill.Id, token.Cache, reserved.BlockTable);
        while (!prefill.IsFinished) prompt.Step();
        Assert.Equal(0, prompt.BlocksUsed);
        Assert.True(sink.LayerCopies >= weights.Config.LayerCount);

        token.ResumeAfterHandoff(reserved, prefill.Output[0]);
        while (!reserved.IsFinished) token.Step();
        Assert.Equal(c.GreedyIds, reserved.Output);
        Assert.Equal(0, token.BlocksUsed);
    }

    [Fact]
    public void A_reservation_that_does_not_fit_is_refused_and_an_aborted_one_frees_its_blocks()
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        using var token = new LlmEngine(weights, new EngineOptions { KvCacheBytes = Splitwise.Engine.Cache.KvCache.BytesPerBlock(weights.Config, 16, Splitwise.Engine.Cache.KvDataType.F32) * 40 });
        var greedy = new SamplingParams { Temperature = 0, MaxTokens = 8 };
        var first = token.ReserveForHandoff(Enumerable.Repeat(300, 400).ToArray(), greedy);
        Assert.NotNull(first);
        Assert.Null(token.ReserveForHandoff(Enumerable.Repeat(300, 300).ToArray(), greedy));
        Assert.True(token.BlocksUsed > 0);
        token.Abort(first!.Id);
        token.Step();
        Assert.Equal(0, token.BlocksUsed);
        Assert.Equal(FinishReason.Abort, first.FinishReason);
    }
}
