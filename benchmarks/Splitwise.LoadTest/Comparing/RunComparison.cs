using Splitwise.LoadTest.Metrics;

namespace Splitwise.LoadTest.Comparing;

/// <summary>
/// The side-by-side figures of two runs. Latency percentiles are recomputed from the per-request samples (numpy-style
/// interpolation, as each run's own report), so the table and the CDF plots come from the same numbers.
/// Throughputs and counts are the runs' own summary figures.
/// </summary>
public static class RunComparison
{
    public static readonly (string Name, double P)[] Percentiles = [("P50", 50), ("P90", 90), ("P99", 99)];

    public static List<ComparisonRow> Compute(LoadedRun a, LoadedRun b)
    {
        var rows = new List<ComparisonRow>();
        foreach (var (metric, pick) in LatencyMetrics)
        {
            var sa = Sorted(pick(a));
            var sb = Sorted(pick(b));
            foreach (var (name, p) in Percentiles) rows.Add(new ComparisonRow(metric, name, "ms", Of(sa, p), Of(sb, p)));
            rows.Add(new ComparisonRow(metric, "mean", "ms", sa.Length == 0 ? double.NaN : sa.Average(), sb.Length == 0 ? double.NaN : sb.Average()));
        }
        rows.Add(new ComparisonRow("Throughput", "requests/s", "req/s", a.RequestThroughput, b.RequestThroughput, LowerIsBetter: false));
        rows.Add(new ComparisonRow("Throughput", "output tokens/s", "tok/s", a.OutputThroughput, b.OutputThroughput, LowerIsBetter: false));
        rows.Add(new ComparisonRow("Requests", "successful", "", a.Completed, b.Completed, LowerIsBetter: false));
        rows.Add(new ComparisonRow("Requests", "failed", "", a.Failed, b.Failed));
        rows.Add(new ComparisonRow("Requests", "cancelled or not sent", "", a.Cancelled + a.Unsent, b.Cancelled + b.Unsent));
        rows.Add(new ComparisonRow("Run", "duration", "s", a.DurationSeconds, b.DurationSeconds));
        return rows;
    }

    /// <summary>The latency samples compared, by name: TTFT, TPOT, ITL and E2E.</summary>
    public static readonly (string Name, Func<LoadedRun, IReadOnlyList<double>> Pick)[] LatencyMetrics =
    [
        ("TTFT", r => r.TtftMs),
        ("TPOT", r => r.TpotMs),
        ("ITL", r => r.ItlMs),
        ("E2E", r => r.E2eMs),
    ];

    /// <summary>Differences that make two runs not the same experiment (model, workload, seed, requests, rate); empty when they match.</summary>
    public static List<string> SetupDifferences(LoadedRun a, LoadedRun b)
    {
        var d = new List<string>();
        if (a.Model != b.Model) d.Add($"model: '{a.Model}' vs '{b.Model}'");
        if (a.Workload != b.Workload) d.Add($"workload: '{a.Workload}' vs '{b.Workload}'");
        if (a.Seed != b.Seed) d.Add($"seed: {a.Seed} vs {b.Seed}");
        if (a.Planned != b.Planned) d.Add($"planned requests: {a.Planned} vs {b.Planned}");
        if (a.OfferedRate != b.OfferedRate) d.Add($"offered rate: {a.OfferedRate} vs {b.OfferedRate}");
        return d;
    }

    private static double[] Sorted(IReadOnlyList<double> v) => [.. v.Where(double.IsFinite).Order()];

    private static double Of(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : Percentile.Of(sorted, p);
}
