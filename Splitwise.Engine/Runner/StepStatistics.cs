using System.Diagnostics;

namespace Splitwise.Engine.Runner;

/// <summary>
/// Where an engine's step time goes, accumulated since start: scheduling, the forward pass (split into steps that
/// carry prompt tokens and pure-decode steps, and by tokens per step) and sampling. Cheap enough to stay on
/// (a few timestamps per step); a benchmark takes a <see cref="Snapshot"/> before and after a run and subtracts.
/// Written by the step thread, read from any thread.
/// </summary>
public sealed class StepStatistics
{
    /// <summary>Upper bounds (inclusive) of the tokens-per-step buckets: the GEMV, x4 GEMV and GEMM regimes and beyond.</summary>
    public static IReadOnlyList<int> TokenBucketBounds { get; } = [1, 3, 11, 31, 127, int.MaxValue];

    private readonly object _lock = new();
    private StepStatisticsSnapshot _totals = StepStatisticsSnapshot.Empty;

    internal void Record(int tokens, int promptTokens, long scheduleTicks, long forwardTicks, long sampleTicks, long updateTicks)
    {
        double F(long ticks) => (double)ticks / Stopwatch.Frequency;
        int bucket = 0;
        while (tokens > TokenBucketBounds[bucket]) bucket++;
        lock (_lock)
        {
            var t = _totals;
            var steps = t.StepsByTokens.ToArray();
            var seconds = t.ForwardSecondsByTokens.ToArray();
            steps[bucket]++;
            seconds[bucket] += F(forwardTicks);
            _totals = t with
            {
                Steps = t.Steps + 1,
                StepsWithPrompt = t.StepsWithPrompt + (promptTokens > 0 ? 1 : 0),
                PromptTokens = t.PromptTokens + promptTokens,
                DecodeTokens = t.DecodeTokens + tokens - promptTokens,
                ScheduleSeconds = t.ScheduleSeconds + F(scheduleTicks),
                ForwardSecondsWithPrompt = t.ForwardSecondsWithPrompt + (promptTokens > 0 ? F(forwardTicks) : 0),
                ForwardSecondsDecodeOnly = t.ForwardSecondsDecodeOnly + (promptTokens > 0 ? 0 : F(forwardTicks)),
                SampleSeconds = t.SampleSeconds + F(sampleTicks),
                UpdateSeconds = t.UpdateSeconds + F(updateTicks),
                StepsByTokens = steps,
                ForwardSecondsByTokens = seconds,
            };
        }
    }

    public StepStatisticsSnapshot Snapshot()
    {
        lock (_lock) return _totals;
    }
}
