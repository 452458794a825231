using Splitwise.Engine.Cache;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Tests.Engine.Scheduling;

/// <summary>Mixed machines' policy (prompts first, decodes deferred a bounded number of steps) and the prompt-queue figure, on scripted states.</summary>
public class PromptsFirstSchedulerTests
{
    private static SamplingParams Params(int maxTokens) => StepSchedulerTests.Params(maxTokens);
    private static int[] Prompt(int length, int seed = 0) => StepSchedulerTests.Prompt(length, seed);
    private static ScheduledBatch StepOnce(StepScheduler s) => StepSchedulerTests.StepOnce(s);


    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_decode_waits_for_prompts_at_most_the_allowed_number_of_steps(int deferrals)
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 32, EnablePrefixCaching = false, PromptsFirst = true, MaxDecodeDeferrals = deferrals },
            new BlockAllocator(256), 16);
        var decoding = new Sequence(1, Prompt(4), Params(100));
        s.Add(decoding);
        StepOnce(s); // its prefill; from now on it decodes
        for (int i = 0; i < 6; i++) s.Add(new Sequence(10 + i, Prompt(64, i), Params(4)));

        int run = 0, longest = 0;
        for (int step = 0; step < 20; step++)
        {
            var batch = StepOnce(s);
            bool decoded = batch.Sequences.Any(x => x.Sequence == decoding);
            run = decoded ? 0 : run + 1;
            longest = Math.Max(longest, run);
        }
        Assert.Equal(deferrals, longest); // prompts did push it back, but never longer than allowed
    }

    [Fact]
    public void Decode_first_policy_never_defers_a_decode()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 32, EnablePrefixCaching = false }, new BlockAllocator(256), 16);
        var decoding = new Sequence(1, Prompt(4), Params(100));
        s.Add(decoding);
        StepOnce(s);
        for (int i = 0; i < 6; i++) s.Add(new Sequence(10 + i, Prompt(64, i), Params(4)));
        for (int step = 0; step < 20; step++) Assert.Contains(StepOnce(s).Sequences, x => x.Sequence == decoding);
    }

    [Fact]
    public void Pending_prompt_tokens_count_what_is_waiting_or_mid_prefill_and_not_in_the_step()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 32, EnablePrefixCaching = false }, new BlockAllocator(256), 16);
        s.Add(new Sequence(1, Prompt(100), Params(2)));
        s.Add(new Sequence(2, Prompt(50, 1), Params(2)));
        StepOnce(s);
        Assert.Equal(150 - 32, s.PendingPromptTokens);
        StepOnce(s);
        Assert.Equal(150 - 64, s.PendingPromptTokens);
    }

    [Fact]
    public void A_sequence_taken_over_with_output_recomputes_prompt_and_output_and_counts_it_against_max_tokens()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 64, EnablePrefixCaching = false }, new BlockAllocator(64), 16);
        var seq = new Sequence(1, Prompt(10), Params(5), outputSoFar: [7, 8, 9]);
        s.Add(seq);
        var first = StepOnce(s).Sequences.Single();
        Assert.Equal(13, first.TokenCount);
        while (s.HasWork) StepOnce(s);
        Assert.Equal([7, 8, 9, 5, 5], seq.Output);
        Assert.Equal(FinishReason.Length, seq.FinishReason);
    }

    [Fact]
    public void A_prompt_found_in_the_prefix_cache_is_scheduled_once_per_step()
    {
        // 33 tokens: two full blocks come from the cache, leaving one token, which looks like a decode once admitted.
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 64, PromptsFirst = true }, new BlockAllocator(64), 16);
        var first = new Sequence(1, Prompt(33), Params(3));
        s.Add(first);
        while (s.HasWork) StepOnce(s);
        var again = new Sequence(2, Prompt(33), Params(3));
        s.Add(again);
        var batch = StepOnce(s);
        Assert.Equal(32, again.CachedPromptTokens);
        Assert.Single(batch.Sequences, x => x.Sequence == again);
        Assert.Single(again.Output);
        while (s.HasWork) StepOnce(s);
        Assert.Equal(first.Output, again.Output);
    }
}

/// <summary>Regression: a prompt whose prefix is cached up to its last token is scheduled once, not again as a decode.</summary>
public class PromptsFirstPrefixCacheTests
{
    [Fact]
    public void A_prompt_cached_but_for_its_last_token_is_scheduled_once_in_its_step()
    {
        var s = new StepScheduler(new SchedulerOptions { MaxBatchedTokens = 64, PromptsFirst = true }, new BlockAllocator(64), 16);
        int[] prompt = Enumerable.Range(10, 33).ToArray(); // two full blocks and one token
        var first = new Sequence(1, prompt, new SamplingParams { Temperature = 0, MaxTokens = 2 });
        s.Add(first);
        while (s.HasWork) StepSchedulerTests.StepOnce(s);
        var second = new Sequence(2, prompt, new SamplingParams { Temperature = 0, MaxTokens = 2 });
        s.Add(second);
        var batch = s.Schedule();
        var entry = Assert.Single(batch.Sequences);
        Assert.Equal(1, entry.TokenCount); // 32 tokens came from the prefix cache
    }
}
