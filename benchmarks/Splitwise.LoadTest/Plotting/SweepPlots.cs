using System.Globalization;
using Splitwise.LoadTest.Reporting;

namespace Splitwise.LoadTest.Plotting;

/// <summary>The sweep's throughput–latency curve and its offered-versus-achieved load.</summary>
public static class SweepPlots
{
    public static string LatencyVsThroughput(IReadOnlyList<SweepPoint> points, string label)
    {
        var sorted = points.OrderBy(p => p.OfferedRate).ToList();
        var rateLabels = sorted.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.OfferedRate:0.##}/s")).ToList();
        List<(double, double)> Pts(Func<SweepPoint, double> y) => sorted.Where(p => p.Summary.Completed > 0).Select(p => (p.Summary.RequestThroughput, y(p))).ToList();
        var chart = new Chart
        {
            Title = "Latency vs throughput (rate sweep)",
            Subtitle = $"{label} · labels: offered rate · a curve bending up marks saturation",
            XLabel = "Achieved throughput (successful requests/s)",
            YLabel = "Latency (ms, log scale)",
            YLog = true,
        };
        var okLabels = sorted.Where(p => p.Summary.Completed > 0).Select((p, i) => rateLabels[sorted.IndexOf(p)]).ToList();
        chart.Series.Add(new ChartSeries("TTFT P99", Palette.Vermillion, Pts(p => p.Summary.Ttft.P99), SeriesStyle.LineAndMarkers, Dash: "6,4"));
        chart.Series.Add(new ChartSeries("TTFT median", Palette.Vermillion, Pts(p => p.Summary.Ttft.Median), SeriesStyle.LineAndMarkers, PointLabels: okLabels));
        chart.Series.Add(new ChartSeries("TPOT P99", Palette.Blue, Pts(p => p.Summary.Tpot.P99), SeriesStyle.LineAndMarkers, Dash: "6,4"));
        chart.Series.Add(new ChartSeries("TPOT median", Palette.Blue, Pts(p => p.Summary.Tpot.Median), SeriesStyle.LineAndMarkers));
        chart.Series.Add(new ChartSeries("E2E median", Palette.Green, Pts(p => p.Summary.E2e.Median), SeriesStyle.LineAndMarkers));
        return chart.Render();
    }

    public static string AchievedVsOffered(IReadOnlyList<SweepPoint> points, string label)
    {
        var sorted = points.OrderBy(p => p.OfferedRate).ToList();
        double max = sorted.Max(p => Math.Max(p.OfferedRate, p.Summary.RequestThroughput));
        var chart = new Chart
        {
            Title = "Achieved vs offered load (rate sweep)",
            Subtitle = $"{label} · on the dashed line the target keeps up; below it, requests queue",
            XLabel = "Offered rate (requests/s)",
            YLabel = "Achieved throughput (requests/s)",
            RightYLabel = "Output tokens per second",
        };
        chart.Series.Add(new ChartSeries("ideal (achieved = offered)", Palette.Grey, [(0, 0), (max, max)], SeriesStyle.Line, Dash: "5,4"));
        chart.Series.Add(new ChartSeries("requests/s", Palette.Vermillion, sorted.Select(p => (p.OfferedRate, p.Summary.RequestThroughput)).ToList(), SeriesStyle.LineAndMarkers));
        chart.Series.Add(new ChartSeries("output tok/s", Palette.Blue, sorted.Select(p => (p.OfferedRate, p.Summary.OutputThroughput)).ToList(), SeriesStyle.LineAndMarkers, RightAxis: true));
        return chart.Render();
    }
}
