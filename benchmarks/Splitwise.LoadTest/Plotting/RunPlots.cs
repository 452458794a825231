using System.Globalization;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;

namespace Splitwise.LoadTest.Plotting;

/// <summary>The plots of one run, each an SVG document: TTFT and ITL CDFs, throughput and latency over time.</summary>
public static class RunPlots
{
    public static string LatencyCdf(string metric, IReadOnlyList<double> valuesMs, string runLabel, string color)
    {
        var sorted = valuesMs.Where(double.IsFinite).Order().ToArray();
        var stats = LatencyStats.From(sorted);
        // Log x only when the bulk spans a wide range; a few near-zero gaps (chunks read together) must not force it.
        double p1 = sorted.Length > 0 ? Percentile.Of(sorted, 1) : 0, p5 = sorted.Length > 0 ? Percentile.Of(sorted, 5) : 0;
        bool log = sorted.Length > 1 && p5 > 0 && sorted[^1] / p5 > 30;
        var chart = new Chart
        {
            Title = $"{metric} distribution (CDF)",
            Subtitle = sorted.Length == 0
                ? $"{runLabel} · no successful samples"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{runLabel} · n = {sorted.Length} · mean {stats.Mean:0.#} ms · median {stats.Median:0.#} ms · P99 {stats.P99:0.#} ms · max {stats.Max:0.#} ms"),
            XLabel = $"{metric} (ms{(log ? ", log scale from P1" : "")})",
            YLabel = $"Share of {(metric == "ITL" ? "token gaps" : "requests")} ≤ x (%)",
            XLog = log,
            XMin = log ? Math.Max(p1, sorted[^1] * 1e-4) : null,
            YMax = 100,
        };
        chart.Series.Add(new ChartSeries(metric, color, CdfPoints(sorted), SeriesStyle.Step));
        if (sorted.Length > 0)
        {
            chart.References.Add(new ReferenceLine(stats.Median, $"P50 {Ms(stats.Median)}", Palette.Grey, true));
            chart.References.Add(new ReferenceLine(stats.P90, $"P90 {Ms(stats.P90)}", Palette.Orange, true));
            chart.References.Add(new ReferenceLine(stats.P99, $"P99 {Ms(stats.P99)}", Palette.Vermillion, true));
        }
        return chart.Render();
    }

    public static string ThroughputOverTime(IReadOnlyList<RequestResult> results, double duration, string runLabel)
    {
        double width = TimeSeries.BinWidth(duration);
        var tokens = TimeSeries.OutputTokensPerSecond(results, duration, width);
        var inflight = TimeSeries.InFlight(results, duration, width);
        double mean = results.Where(r => r.Success).Sum(r => (double)r.OutputTokens) / Math.Max(duration, 1e-9);
        var chart = new Chart
        {
            Title = "Throughput over time",
            Subtitle = string.Create(CultureInfo.InvariantCulture, $"{runLabel} · {width:0.##} s bins · run mean {mean:0.#} output tok/s"),
            XLabel = "Time since run start (s)",
            YLabel = "Output tokens per second",
            RightYLabel = "Requests in flight",
        };
        // Each bin's rate is plotted at its middle.
        chart.Series.Add(new ChartSeries("output tok/s", Palette.Blue, tokens.Select(b => (b.Start + width / 2, b.Value)).ToList(), SeriesStyle.Line));
        chart.Series.Add(new ChartSeries("requests in flight", Palette.Orange, inflight, SeriesStyle.Step, RightAxis: true));
        chart.References.Add(new ReferenceLine(mean, string.Create(CultureInfo.InvariantCulture, $"mean {mean:0.#} tok/s"), Palette.Grey, false));
        return chart.Render();
    }

    public static string LatencyOverTime(IReadOnlyList<RequestResult> results, string runLabel)
    {
        var ok = results.Where(r => r.Success).ToList();
        var failed = results.Where(r => !r.Success && r.Error != "cancelled").ToList();
        var chart = new Chart
        {
            Title = "Latency over time (one dot per request)",
            Subtitle = $"{runLabel} · {ok.Count} successful, {failed.Count} failed (red: time until failure)",
            XLabel = "Request send time since run start (s)",
            YLabel = "Latency (ms, log scale)",
            YLog = true,
        };
        chart.Series.Add(new ChartSeries("E2E", Palette.Sky, ok.Select(r => (r.StartSeconds, r.E2eMs)).ToList(), SeriesStyle.Markers));
        chart.Series.Add(new ChartSeries("TTFT", Palette.Blue, ok.Select(r => (r.StartSeconds, r.TtftMs)).ToList(), SeriesStyle.Markers));
        chart.Series.Add(new ChartSeries("TPOT", Palette.Green, ok.Where(r => r.TpotMs != null).Select(r => (r.StartSeconds, r.TpotMs!.Value)).ToList(), SeriesStyle.Markers));
        if (failed.Count > 0)
            chart.Series.Add(new ChartSeries("failed", Palette.ErrorRed, failed.Select(r => (r.StartSeconds, Math.Max(r.E2eMs, 0.01))).ToList(), SeriesStyle.Markers));
        return chart.Render();
    }

    /// <summary>At most ~2000 points along the CDF (quantiles), always including the extremes.</summary>
    public static List<(double X, double Y)> CdfPoints(double[] sorted)
    {
        var pts = new List<(double, double)>();
        if (sorted.Length == 0) return pts;
        int step = Math.Max(1, sorted.Length / 2000);
        pts.Add((sorted[0], 0));
        for (int i = 0; i < sorted.Length; i += step) pts.Add((sorted[i], 100.0 * (i + 1) / sorted.Length));
        pts.Add((sorted[^1], 100));
        return pts;
    }

    private static string Ms(double v) => v.ToString(v >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " ms";
}
