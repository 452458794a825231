using System.Globalization;
using Splitwise.LoadTest.Metrics;

namespace Splitwise.LoadTest.Plotting;

/// <summary>The plots of a two-run comparison: both runs' CDFs of one latency on one chart, and P50/P90/P99 bars.</summary>
public static class ComparisonPlots
{
    /// <param name="runs">Each run's label, samples (ms) and colour; the first is the reference.</param>
    public static string LatencyCdfs(string metric, IReadOnlyList<(string Label, IReadOnlyList<double> ValuesMs, string Color)> runs, string subtitle)
    {
        var sorted = runs.Select(r => r.ValuesMs.Where(double.IsFinite).Order().ToArray()).ToList();
        var all = sorted.SelectMany(s => s).Order().ToArray();
        // As in a single run's CDF: log x only when the bulk spans a wide range.
        double p1 = all.Length > 0 ? Percentile.Of(all, 1) : 0, p5 = all.Length > 0 ? Percentile.Of(all, 5) : 0;
        bool log = all.Length > 1 && p5 > 0 && all[^1] / p5 > 30;
        var chart = new Chart
        {
            Title = $"{metric} distribution (CDF): {string.Join(" vs ", runs.Select(r => r.Label))}",
            Subtitle = subtitle,
            XLabel = $"{metric} (ms{(log ? ", log scale from P1" : "")})",
            YLabel = $"Share of {(metric == "ITL" ? "token gaps" : "requests")} ≤ x (%)",
            XLog = log,
            XMin = log ? Math.Max(p1, all[^1] * 1e-4) : null,
            YMax = 100,
        };
        for (int i = 0; i < runs.Count; i++)
        {
            var s = sorted[i];
            string name = s.Length == 0 ? $"{runs[i].Label} (no samples)"
                : string.Create(CultureInfo.InvariantCulture, $"{runs[i].Label} (n = {s.Length})");
            chart.Series.Add(new ChartSeries(name, runs[i].Color, RunPlots.CdfPoints(s), SeriesStyle.Step));
        }
        for (int i = 0; i < runs.Count; i++)
        {
            if (sorted[i].Length == 0) continue;
            var stats = LatencyStats.From(sorted[i]);
            chart.References.Add(new ReferenceLine(stats.Median, $"{runs[i].Label} P50 {Ms(stats.Median)}", runs[i].Color, true));
            chart.References.Add(new ReferenceLine(stats.P99, $"{runs[i].Label} P99 {Ms(stats.P99)}", runs[i].Color, true));
        }
        return chart.Render();
    }

    /// <summary>Grouped bars: for each (metric, percentile) category one bar per run, in ms.</summary>
    public static string PercentileBars(IReadOnlyList<string> categories, IReadOnlyList<(string Label, IReadOnlyList<double> Values, string Color)> runs, string title, string subtitle)
    {
        var chart = new BarChart
        {
            Title = title,
            Subtitle = subtitle,
            YLabel = "Latency (ms)",
            Categories = categories,
        };
        foreach (var r in runs) chart.Series.Add(new BarSeries(r.Label, r.Color, r.Values));
        return chart.Render();
    }

    private static string Ms(double v) => v.ToString(v >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " ms";
}
