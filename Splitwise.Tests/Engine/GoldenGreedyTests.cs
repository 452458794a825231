using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Sampling;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine;

/// <summary>Greedy continuations equal the reference implementation's token for token.</summary>
public class GoldenGreedyTests
{
    private static readonly SamplingParams Greedy32 = new() { Temperature = 0, MaxTokens = 32, IgnoreEos = true };

    public static TheoryData<string, string, string> ExactRows()
    {
        var rows = new TheoryData<string, string, string>();
        foreach (var (model, golden) in GoldenCases.ExactPairs())
            foreach (var c in GoldenCases.Load(golden))
                rows.Add(Path.GetRelativePath(SharedData.Root, model), Path.GetRelativePath(SharedData.Root, golden), c.Name);
        return rows;
    }

    [Theory, MemberData(nameof(ExactRows))]
    public void Greedy_continuation_matches_the_reference_exactly(string model, string golden, string caseName)
    {
        var c = GoldenCases.Load(Path.Combine(SharedData.Root, golden)).Single(x => x.Name == caseName);
        using var weights = ModelLoader.Load(Path.Combine(SharedData.Root, model));
        using var engine = new LlmEngine(weights, new EngineOptions());
        var seq = engine.Generate(c.PromptIds, Greedy32);
        Assert.Equal(c.GreedyIds, seq.Output);
    }

    [Theory]
    [InlineData(KvDataType.F32)]
    [InlineData(KvDataType.F16)]
    public void All_prompts_batched_together_match_the_reference(KvDataType kvType)
    {
        var cases = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json"));
        using var weights = ModelLoader.Load(SharedData.Stories260K);
        // A small token budget forces chunked prefill of the long prompt alongside the others' decodes.
        using var engine = new LlmEngine(weights, new EngineOptions { KvDataType = kvType, Scheduler = new() { MaxBatchedTokens = 64 } });
        var sequences = cases.Select(c => engine.AddRequest(c.PromptIds, Greedy32)).ToList();
        int steps = 0;
        while (engine.HasWork && steps++ < 10_000) engine.Step();
        for (int i = 0; i < cases.Count; i++)
            Assert.True(cases[i].GreedyIds.SequenceEqual(sequences[i].Output), $"{cases[i].Name}: batched output differs from the reference");
        Assert.Equal(0, engine.BlocksUsed);
    }

    [Theory, MemberData(nameof(ExactRows))]
    public void Prompt_logits_match_the_reference_top5(string model, string golden, string caseName)
    {
        var c = GoldenCases.Load(Path.Combine(SharedData.Root, golden)).Single(x => x.Name == caseName);
        using var weights = ModelLoader.Load(Path.Combine(SharedData.Root, model));
        var logits = PromptLogits.Compute(weights, c.PromptIds);
        // fp32 with another summation order than the reference: agreement to ~1e-5 relative is expected.
        foreach (var (id, expected) in c.Top5Logits)
            Assert.True(Math.Abs(logits[id] - expected) <= 1e-4f * Math.Max(1, Math.Abs(expected)), $"{caseName}: logit of {id} is {logits[id]}, reference {expected}");
    }
}
