using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Slo;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.Tests.LoadTest;

public class SloTests
{
    private static RequestResult R(int prompt, double ttft, double tpot, int output = 11) =>
        MetricsTests.Ok(0, 0, ttft, Enumerable.Repeat(tpot, output - 1).ToArray(), prompt, output);

    [Fact]
    public void Baseline_fit_recovers_a_linear_prefill_and_the_median_tbt()
    {
        var baseline = new[] { R(100, 30, 10), R(500, 70, 11), R(1000, 120, 9), R(2000, 220, 10) };
        var m = BaselineModel.Fit(baseline);
        Assert.Equal(20, m.TtftInterceptMs, 6);
        Assert.Equal(0.1, m.TtftPerPromptTokenMs, 9);
        Assert.Equal(10, m.TbtMs, 9);
        Assert.Equal(120, m.ExpectedTtftMs(1000), 6);
        Assert.Equal(120 + 9 * 10, m.ExpectedE2eMs(1000, 10), 6);
    }

    [Fact]
    public void Baseline_with_noise_making_the_slope_negative_is_flat()
    {
        var m = BaselineModel.Fit([R(100, 52, 10), R(900, 48, 10)]);
        Assert.Equal(0, m.TtftPerPromptTokenMs);
        Assert.Equal(50, m.TtftInterceptMs, 9);
    }

    [Fact]
    public void Baseline_with_no_success_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => BaselineModel.Fit([MetricsTests.Failed(0, 0, "timeout")]));
    }

    private static readonly BaselineModel Base = new(20, 0.1, 10, 4);

    [Fact]
    public void Requests_at_baseline_speed_pass_and_slowed_ones_fail_at_the_right_percentile()
    {
        // 100 requests with prompt 1000 (expected TTFT 120 ms) and 11 tokens (expected E2E 220 ms).
        var fast = Enumerable.Range(0, 100).Select(_ => R(1000, 120, 10)).ToList();
        var fastChecks = SlowdownChecker.Check(fast, Base, SloLimits.Splitwise);
        Assert.All(fastChecks, c => Assert.True(c.Passed, c.Metric));
        Assert.All(fastChecks, c => Assert.Equal(1.0, c.Observed[0], 9));

        // 5 of 100 have TTFT 4× (480 ms): P50 and P90 stay at 1×, P99 is 4× ≤ 6×: TTFT passes; E2E P99 (480 + 100)/220 = 2.64× ≤ 5× passes.
        // 15 of 100 with TTFT 2.5× (300 ms): TTFT P90 2.5× ≤ 3× passes, but E2E P90 (300 + 100)/220 = 1.82× > 1.5× fails.
        var some = fast.Select((r, i) => i < 5 ? R(1000, 480, 10) : r).ToList();
        Assert.All(SlowdownChecker.Check(some, Base, SloLimits.Splitwise), c => Assert.True(c.Passed, c.Metric));
        var many = fast.Select((r, i) => i < 15 ? R(1000, 300, 10) : r).ToList();
        var checks = SlowdownChecker.Check(many, Base, SloLimits.Splitwise).ToDictionary(c => c.Metric);
        Assert.True(checks["TTFT"].Passed);
        Assert.True(checks["TBT"].Passed);
        Assert.False(checks["E2E"].Passed);
        Assert.Equal(400.0 / 220, checks["E2E"].Observed[1], 6);

        // TBT 1.4× for everyone: P50 1.4× > 1.25× fails TBT.
        var slowTokens = fast.Select(_ => R(1000, 120, 14)).ToList();
        Assert.False(SlowdownChecker.Check(slowTokens, Base, SloLimits.Splitwise).Single(c => c.Metric == "TBT").Passed);
    }

    [Fact]
    public void Failed_requests_count_as_infinitely_slow_but_cancelled_ones_are_not_judged()
    {
        var results = Enumerable.Range(0, 98).Select(_ => R(1000, 120, 10)).ToList();
        results.Add(MetricsTests.Failed(98, 0, "cancelled"));
        results.Add(MetricsTests.Failed(99, 0, "cancelled"));
        Assert.All(SlowdownChecker.Check(results, Base, SloLimits.Splitwise), c => Assert.True(c.Passed));
        results.Add(MetricsTests.Failed(100, 0, "http_500"));
        results.Add(MetricsTests.Failed(101, 0, "timeout"));
        var ttft = SlowdownChecker.Check(results, Base, SloLimits.Splitwise).Single(c => c.Metric == "TTFT");
        Assert.Equal(100, ttft.Count);
        Assert.True(double.IsPositiveInfinity(ttft.Observed[2]));
        Assert.False(ttft.Passed);
    }

    [Fact]
    public void Baseline_probe_spreads_prompt_lengths_over_the_workload_and_starts_with_a_warm_up()
    {
        var workload = Enumerable.Range(1, 100).Select(i => new PlannedRequest(i, i * 10, 5, null)).ToList();
        var plan = BaselineProbe.Plan(workload, 5, 32, maxContext: 512);
        Assert.Equal(6, plan.Count);
        Assert.Equal(10, plan[0].PromptTokens);
        Assert.Equal(10, plan[1].PromptTokens);
        Assert.All(plan, p => Assert.True(p.PromptTokens + p.OutputTokens <= 512));
        Assert.Equal(480, plan[^1].PromptTokens);
    }
}
