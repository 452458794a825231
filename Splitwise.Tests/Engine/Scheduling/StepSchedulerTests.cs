using Splitwise.Engine.Cache;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Tests.Engine.Scheduling;

/// <summary>The scheduler on scripted states: no model, every sampled token is 5 (never EOS).</summary>
public class StepSchedulerTests
{
    internal static readonly int[] Eos = [2];
    internal static SamplingParams Params(int maxTokens) => new() { Temperature = 0, MaxTokens = maxTokens };
    internal static int[] Prompt(int length, int seed = 0) => Enumerable.Range(0, length).Select(i => 10 + (i * 7 + seed) % 90).ToArray();

    /// <summary>One scripted step: every sampled token is 5.</summary>
    internal static ScheduledBatch StepOnce(StepScheduler s)
    {
        var batch = s.Schedule();
        var sampled = batch.Sequences.Select(x => x.SamplesToken ? new SampledToken(5, 0, null) : (SampledToken?)null).ToList();
        s.Update(batch, sampled, Eos, maxModelLength: 4096);
        return batch;
    }

    private static void RunToEnd(StepScheduler s, int maxSteps = 10_000)
    {
        for (int i = 0; i < maxSteps && s.HasWork; i++) StepOnce(s);
        Assert.False(s.HasWork, "scheduler did not drain");
    }

    [Fact]
    public void Long_prompt_is_prefilled_in_budget_sized_chunks()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 32 }, new BlockAllocator(64), 16);
        var seq = new Sequence(1, Prompt(100), Params(3));
        s.Add(seq);
        var chunks = new List<int>();
        while (s.HasWork) chunks.Add(StepOnce(s).Sequences.Single().TokenCount);
        Assert.Equal([32, 32, 32, 4, 1, 1], chunks);
        Assert.Equal(3, seq.Output.Count);
        Assert.Equal(FinishReason.Length, seq.FinishReason);
        Assert.Equal(0, s.Allocator.UsedCount);
    }

    [Fact]
    public void Running_decodes_are_scheduled_before_a_new_prompt_takes_the_rest_of_the_budget()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 32, EnablePrefixCaching = false }, new BlockAllocator(64), 16);
        var first = new Sequence(1, Prompt(8), Params(50));
        s.Add(first);
        StepOnce(s);
        var second = new Sequence(2, Prompt(200, 3), Params(5));
        s.Add(second);
        var batch = StepOnce(s);
        Assert.Equal(first, batch.Sequences[0].Sequence);
        Assert.Equal(1, batch.Sequences[0].TokenCount);
        Assert.Equal(31, batch.Sequences[1].TokenCount);
    }

    [Fact]
    public void Out_of_blocks_preempts_the_newest_and_every_request_still_finishes()
    {
        // 6 blocks of 4 tokens = 24 slots; three sequences that each grow to 12 tokens cannot all stay resident.
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 64, EnablePrefixCaching = false }, new BlockAllocator(6), 4);
        var seqs = Enumerable.Range(0, 3).Select(i => new Sequence(i, Prompt(4, i), Params(8))).ToList();
        seqs.ForEach(s.Add);
        int preemptions = 0;
        for (int i = 0; i < 1000 && s.HasWork; i++) preemptions += StepOnce(s).Preempted.Count;
        Assert.True(preemptions > 0, "expected at least one preemption");
        Assert.All(seqs, q => Assert.Equal(8, q.Output.Count));
        Assert.All(seqs, q => Assert.Equal(FinishReason.Length, q.FinishReason));
        Assert.Equal(0, s.Allocator.UsedCount);
        Assert.True(seqs[2].PreemptionCount > 0 || seqs[1].PreemptionCount > 0);
        Assert.Equal(0, seqs[0].PreemptionCount); // the oldest is never the victim
    }

    [Fact]
    public void Identical_prompt_reuses_cached_prefix_blocks()
    {
        var s = new StepScheduler(new SchedulerOptions(), new BlockAllocator(32), 16);
        var prompt = Prompt(40);
        var a = new Sequence(1, prompt, Params(2));
        s.Add(a);
        RunToEnd(s);
        var b = new Sequence(2, prompt, Params(2));
        s.Add(b);
        var first = StepOnce(s);
        Assert.Equal(32, b.CachedPromptTokens);
        Assert.Equal(8, first.Sequences.Single().TokenCount);
        RunToEnd(s);
        Assert.Equal([5, 5], b.Output);
        Assert.Equal(0, s.Allocator.UsedCount);
        Assert.True(s.PrefixHitRate > 0.3);
    }

    [Fact]
    public void Abort_frees_blocks_of_a_running_sequence_and_removes_a_waiting_one()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxRunningSequences = 1 }, new BlockAllocator(16), 16);
        var running = new Sequence(1, Prompt(20), Params(100));
        var waiting = new Sequence(2, Prompt(20, 1), Params(100));
        s.Add(running);
        s.Add(waiting);
        StepOnce(s);
        Assert.True(s.Allocator.UsedCount > 0);
        Assert.True(s.Abort(running));
        Assert.True(s.Abort(waiting));
        Assert.False(s.Abort(waiting));
        Assert.Equal(0, s.Allocator.UsedCount);
        Assert.False(s.HasWork);
        Assert.Equal(FinishReason.Abort, waiting.FinishReason);
    }

    [Fact]
    public void Stops_on_eos_only_after_min_tokens_and_not_when_ignoring_eos()
    {
        var seq = new Sequence(1, [1], new SamplingParams { MinTokens = 2, MaxTokens = 10 });
        seq.Output.Add(2);
        Assert.Null(StepScheduler.StopReason(seq, 2, Eos, 100));
        seq.Output.Add(2);
        Assert.Equal(FinishReason.Stop, StepScheduler.StopReason(seq, 2, Eos, 100));
        var ignoring = new Sequence(2, [1], new SamplingParams { IgnoreEos = true, MaxTokens = 10, StopTokenIds = [9] });
        ignoring.Output.Add(2);
        Assert.Null(StepScheduler.StopReason(ignoring, 2, Eos, 100));
        ignoring.Output.Add(9);
        Assert.Equal(FinishReason.Stop, StepScheduler.StopReason(ignoring, 9, Eos, 100));
    }

    [Fact]
    public void A_sequence_larger_than_the_whole_cache_is_refused_up_front()
    {
        var s = new StepScheduler(new SchedulerOptions(), new BlockAllocator(2), 16);
        Assert.Throws<ArgumentException>(() => s.Add(new Sequence(1, Prompt(40), Params(1))));
    }
}
