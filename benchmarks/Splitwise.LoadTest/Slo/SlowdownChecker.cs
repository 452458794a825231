using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;

namespace Splitwise.LoadTest.Slo;

/// <summary>
/// Splitwise's SLO test: each successful request's slowdown over the unloaded baseline, for
/// TTFT (measured / expected for its prompt), TBT (its TPOT / baseline TBT) and E2E (measured / expected for its prompt and output),
/// then the P50/P90/P99 of each slowdown against the limits. Failed requests count as infinitely slow, so errors cannot hide.
/// </summary>
public static class SlowdownChecker
{
    public static IReadOnlyList<SloCheck> Check(IReadOnlyList<RequestResult> results, BaselineModel baseline, SloLimits limits)
    {
        var judged = results.Where(r => r.Error != "cancelled").ToList();
        var ttft = judged.Select(r => r.Success ? r.TtftMs / baseline.ExpectedTtftMs(r.PromptTokens) : double.PositiveInfinity);
        var tbt = judged.Where(r => !r.Success || r.TpotMs != null)
            .Select(r => r.Success && baseline.TbtMs > 0 ? r.TpotMs!.Value / baseline.TbtMs : double.PositiveInfinity);
        var e2e = judged.Select(r => r.Success ? r.E2eMs / baseline.ExpectedE2eMs(r.PromptTokens, r.OutputTokens) : double.PositiveInfinity);
        return [Row("TTFT", ttft, limits.Ttft), Row("TBT", tbt, limits.Tbt), Row("E2E", e2e, limits.E2e)];
    }

    /// <summary>Per-request slowdowns, in result order (NaN where undefined), for the JSON output.</summary>
    public static (double[] Ttft, double[] Tbt, double[] E2e) PerRequest(IReadOnlyList<RequestResult> results, BaselineModel baseline) =>
    (
        results.Select(r => r.Success ? r.TtftMs / baseline.ExpectedTtftMs(r.PromptTokens) : double.NaN).ToArray(),
        results.Select(r => r.Success && r.TpotMs != null && baseline.TbtMs > 0 ? r.TpotMs.Value / baseline.TbtMs : double.NaN).ToArray(),
        results.Select(r => r.Success ? r.E2eMs / baseline.ExpectedE2eMs(r.PromptTokens, r.OutputTokens) : double.NaN).ToArray()
    );

    private static SloCheck Row(string metric, IEnumerable<double> slowdowns, double[] limits)
    {
        var sorted = slowdowns.Order().ToArray();
        var observed = sorted.Length == 0 ? [double.NaN, double.NaN, double.NaN] : SloLimits.Percentiles.Select(p => PercentileOrInfinity(sorted, p)).ToArray();
        return new SloCheck(metric, sorted.Length, observed, limits);
    }

    private static double PercentileOrInfinity(double[] sorted, double p)
    {
        // Interpolating towards +∞ gives +∞ (or NaN for ∞−∞); the rank decides whether a failure is inside the percentile.
        double rank = p / 100.0 * (sorted.Length - 1);
        int hi = (int)Math.Ceiling(rank);
        return double.IsPositiveInfinity(sorted[hi]) ? double.PositiveInfinity : Percentile.Of(sorted, p);
    }
}
