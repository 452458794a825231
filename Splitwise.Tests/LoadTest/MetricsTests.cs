using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;

namespace Splitwise.Tests.LoadTest;

public class MetricsTests
{
    internal static RequestResult Ok(int i, double start, double ttft, double[] itl, int prompt = 10, int? output = null) => new()
    {
        Index = i,
        StartSeconds = start,
        PromptTokensPlanned = prompt,
        OutputTokensPlanned = output ?? itl.Length + 1,
        TtftMs = ttft,
        ItlMs = itl,
        E2eMs = ttft + itl.Sum(),
        TokenEvents = itl.Length + 1,
        OutputTokensReported = output ?? itl.Length + 1,
        PromptTokensReported = prompt,
    };

    internal static RequestResult Failed(int i, double start, string kind) => new()
    {
        Index = i, StartSeconds = start, PromptTokensPlanned = 10, OutputTokensPlanned = 5, Error = kind, E2eMs = 3,
    };

    [Fact]
    public void Percentiles_interpolate_linearly_between_ranks()
    {
        double[] v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5.5, Percentile.Of(v, 50), 12);
        Assert.Equal(9.1, Percentile.Of(v, 90), 12);
        Assert.Equal(9.91, Percentile.Of(v, 99), 12);
        Assert.Equal(10, Percentile.Of(v, 100), 12);
        Assert.Equal(7, Percentile.Of([7], 99), 12);
    }

    [Fact]
    public void Scripted_timelines_give_the_expected_ttft_tpot_itl_e2e_and_throughput()
    {
        // A: TTFT 100, gaps 10,20,30 (4 tokens, E2E 160, TPOT 20). B: TTFT 200, gaps 40 (2 tokens, E2E 240, TPOT 40).
        // C: one token only (no TPOT). D: failed.
        var results = new List<RequestResult>
        {
            Ok(0, 0.0, 100, [10, 20, 30], prompt: 100),
            Ok(1, 0.1, 200, [40], prompt: 50),
            Ok(2, 0.5, 50, [], prompt: 20),
            Failed(3, 0.2, "http_500"),
        };
        var s = SummaryCalculator.Compute(results, durationSeconds: 2.0, planned: 5, unsent: 1,
            new Dictionary<string, double> { ["ttft"] = 150, ["e2el"] = 200 });

        Assert.Equal(3, s.Completed);
        Assert.Equal(1, s.Failed);
        Assert.Equal(1, s.Unsent);
        Assert.Equal(1, s.ErrorsByKind["http_500"]);
        Assert.Equal(170, s.TotalInputTokens);
        Assert.Equal(7, s.TotalOutputTokens);
        Assert.Equal(1.5, s.RequestThroughput, 12);
        Assert.Equal(3.5, s.OutputThroughput, 12);
        Assert.Equal(88.5, s.TotalTokenThroughput, 12);
        Assert.Equal(350.0 / 3, s.Ttft.Mean, 9);
        Assert.Equal(100, s.Ttft.Median, 9);
        Assert.Equal(200, s.Ttft.Max, 9);
        Assert.Equal(2, s.Tpot.Count);
        Assert.Equal(30, s.Tpot.Mean, 9);
        Assert.Equal(4, s.Itl.Count);
        Assert.Equal(25, s.Itl.Mean, 9);
        Assert.Equal(25, s.Itl.Median, 9);
        Assert.Equal(160, s.E2e.Median, 9);
        // Goodput: A (TTFT 100, E2E 160) and C (50, 50) meet both limits; B has TTFT 200.
        Assert.Equal(2, s.GoodRequests);
        Assert.Equal(1.0, s.Goodput!.Value, 12);
        Assert.Equal(0, s.OutputLengthMismatches);
    }

    [Fact]
    public void Tpot_uses_the_usage_count_when_chunks_carry_several_tokens()
    {
        // 3 chunks but 5 tokens by usage: TPOT = (E2E − TTFT)/(5 − 1) = 40/4.
        var r = Ok(0, 0, 100, [20, 20], output: 5);
        Assert.Equal(10, r.TpotMs!.Value, 12);
    }

    [Fact]
    public void Peak_concurrency_counts_overlaps_but_not_back_to_back_requests()
    {
        Assert.Equal(3, PeakConcurrency.Of([(0, 10), (1, 5), (2, 3), (6, 8)]));
        Assert.Equal(1, PeakConcurrency.Of([(0, 1), (1, 2), (2, 3)]));
        Assert.Equal(0, PeakConcurrency.Of([]));
    }

    [Fact]
    public void Output_tokens_per_second_over_time_sum_to_the_total()
    {
        var results = new List<RequestResult> { Ok(0, 0.0, 100, [100, 100, 100]), Ok(1, 1.0, 500, [600, 300], output: 6) };
        var bins = TimeSeries.OutputTokensPerSecond(results, 3.0, 0.5);
        Assert.Equal(10, bins.Sum(b => b.Value * 0.5), 9);
        // Request 0's four tokens land at 0.1..0.4 s: all in the first bin.
        Assert.Equal(4 / 0.5, bins[0].Value, 9);
        var inflight = TimeSeries.InFlight(results, 3.0, 0.5);
        Assert.Equal(1, inflight.Single(b => b.Start == 1.0).Value);
    }
}
