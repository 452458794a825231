using Splitwise.LoadTest.Client;

namespace Splitwise.LoadTest.Metrics;

/// <summary>Turns per-request results into a <see cref="RunSummary"/>. Only successful requests enter latencies and throughput.</summary>
public static class SummaryCalculator
{
    /// <param name="goodputLimitsMs">Keys ttft, tpot, e2el; a request is good when it meets all given limits.</param>
    public static RunSummary Compute(IReadOnlyList<RequestResult> results, double durationSeconds, int planned, int unsent,
        IReadOnlyDictionary<string, double>? goodputLimitsMs = null)
    {
        var ok = results.Where(r => r.Success).ToList();
        double duration = Math.Max(durationSeconds, 1e-9);
        long input = ok.Sum(r => (long)r.PromptTokens);
        long output = ok.Sum(r => (long)r.OutputTokens);
        var errors = results.Where(r => !r.Success).GroupBy(r => r.Error!).OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count());

        double? goodput = null;
        int good = 0;
        if (goodputLimitsMs is { Count: > 0 })
        {
            good = ok.Count(r => Meets(r, goodputLimitsMs));
            goodput = good / duration;
        }
        var withUsage = ok.Where(r => r.OutputTokensReported != null).ToList();
        var withPromptUsage = ok.Where(r => r.PromptTokensReported != null).ToList();
        return new RunSummary
        {
            Planned = planned,
            Completed = ok.Count,
            Failed = results.Count(r => !r.Success && r.Error != "cancelled"),
            Cancelled = results.Count(r => r.Error == "cancelled"),
            Unsent = unsent,
            ErrorsByKind = errors,
            DurationSeconds = durationSeconds,
            TotalInputTokens = input,
            TotalOutputTokens = output,
            RequestThroughput = ok.Count / duration,
            OutputThroughput = output / duration,
            TotalTokenThroughput = (input + output) / duration,
            PeakConcurrency = PeakConcurrency.Of(results.Select(r => (r.StartSeconds, r.EndSeconds))),
            Ttft = LatencyStats.From(ok.Select(r => r.TtftMs)),
            Tpot = LatencyStats.From(ok.Where(r => r.TpotMs != null).Select(r => r.TpotMs!.Value)),
            Itl = LatencyStats.From(ok.SelectMany(r => r.ItlMs)),
            E2e = LatencyStats.From(ok.Select(r => r.E2eMs)),
            Goodput = goodput,
            GoodRequests = good,
            PromptLengthMismatches = withPromptUsage.Count == 0 ? null : withPromptUsage.Count(r => r.PromptTokensReported != r.PromptTokensPlanned),
            OutputLengthMismatches = withUsage.Count == 0 ? null : withUsage.Count(r => r.OutputTokensReported != r.OutputTokensPlanned),
        };
    }

    private static bool Meets(RequestResult r, IReadOnlyDictionary<string, double> limits)
    {
        foreach (var (key, ms) in limits)
        {
            double? v = key.ToLowerInvariant() switch
            {
                "ttft" => r.TtftMs,
                "tpot" => r.TpotMs ?? 0,
                "e2el" => r.E2eMs,
                _ => throw new ArgumentException($"Unknown goodput metric '{key}' (ttft, tpot, e2el)."),
            };
            if (v > ms) return false;
        }
        return true;
    }
}
