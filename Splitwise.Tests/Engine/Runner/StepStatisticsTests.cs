using Splitwise.Engine;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Runner;
using Splitwise.Engine.Sampling;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Runner;

/// <summary>The engine's step statistics count what was run: steps, prompt and decode tokens, and steps by batch shape.</summary>
public class StepStatisticsTests
{
    [Fact]
    public void Steps_and_tokens_are_counted_by_kind_and_batch_shape()
    {
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        // A 40-token budget splits the 50-token prompt into two chunks; the second chunk samples the first token.
        using var engine = new LlmEngine(weights, new EngineOptions { Scheduler = new() { MaxBatchedTokens = 40, EnablePrefixCaching = false } });
        var before = engine.Statistics.Snapshot();
        var prompt = Enumerable.Range(0, 50).Select(i => 10 + i).ToArray();
        engine.Generate(prompt, new SamplingParams { Temperature = 0, MaxTokens = 5, IgnoreEos = true });
        var s = engine.Statistics.Snapshot() - before;

        Assert.Equal(2 + 4, s.Steps); // two prompt chunks (the second samples token 1), then four decodes
        Assert.Equal(2, s.StepsWithPrompt);
        Assert.Equal(50, s.PromptTokens);
        Assert.Equal(4, s.DecodeTokens);
        // Buckets: 1 token (4 decodes), 4-11 (the 10-token chunk), 32-127 (the 40-token chunk).
        Assert.Equal(new long[] { 4, 0, 1, 0, 1, 0 }, s.StepsByTokens);
        Assert.True(s.ForwardSecondsWithPrompt > 0 && s.ForwardSecondsDecodeOnly > 0);
        Assert.True(s.BusySeconds >= s.ForwardSecondsWithPrompt + s.ForwardSecondsDecodeOnly);
        Assert.Contains("prompt tokens 50", s.Describe(1.0));
    }
}
