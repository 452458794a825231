using System.Xml.Linq;
using Splitwise.LoadTest.Plotting;
using Splitwise.LoadTest.Reporting;

namespace Splitwise.Tests.LoadTest;

public class PlotTests
{
    [Fact]
    public void Linear_axes_get_round_ticks_covering_the_data()
    {
        var s = AxisScale.Linear(3, 187);
        Assert.Equal(0, s.Min);
        Assert.True(s.Max >= 187);
        double step = s.Ticks[1] - s.Ticks[0];
        Assert.Contains(step, new[] { 20.0, 25.0, 50.0 }.Where(v => v == 20 || v == 50));
        Assert.All(s.Ticks.Zip(s.Ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, 9));
    }

    [Fact]
    public void Log_axes_end_at_one_two_five_values_and_tick_at_decades()
    {
        var s = AxisScale.Log(3, 4500);
        Assert.Equal(2, s.Min);
        Assert.Equal(5000, s.Max);
        Assert.Contains(10.0, s.Ticks);
        Assert.Contains(1000.0, s.Ticks);
        Assert.Equal(0.5, s.Fraction(100), 9);
    }

    [Fact]
    public void Run_plots_are_well_formed_svg_with_labelled_axes_and_legend()
    {
        var results = Enumerable.Range(0, 50).Select(i => MetricsTests.Ok(i, i * 0.1, 50 + i, [10, 12, 11])).ToList();
        results.Add(MetricsTests.Failed(50, 2.0, "timeout"));
        foreach (var svg in new[]
        {
            RunPlots.LatencyCdf("TTFT", results.Where(r => r.Success).Select(r => r.TtftMs).ToList(), "rate 10 req/s", Palette.Blue),
            RunPlots.ThroughputOverTime(results, 5.2, "rate 10 req/s"),
            RunPlots.LatencyOverTime(results, "rate 10 req/s"),
        })
        {
            var doc = XDocument.Parse(svg);
            var texts = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
            Assert.Contains(texts, t => t.Contains("(ms") || t.Contains("(s)"));
            Assert.True(texts.Count > 10, "axes need tick labels");
            Assert.Contains(doc.Descendants(), e => e.Name.LocalName is "polyline" or "circle");
        }
        var cdf = RunPlots.LatencyCdf("TTFT", results.Where(r => r.Success).Select(r => r.TtftMs).ToList(), "x", Palette.Blue);
        Assert.Contains("P99 98.5 ms", cdf);
    }

    [Fact]
    public void Sweep_plots_render_every_rate()
    {
        var summaries = new[] { 1.0, 2, 4 }.Select(rate => new SweepPoint(rate, Splitwise.LoadTest.Metrics.SummaryCalculator.Compute(
            Enumerable.Range(0, 10).Select(i => MetricsTests.Ok(i, i / rate, 40 * rate, [10 * rate, 10 * rate])).ToList(), 10 / rate, 10, 0), null)).ToList();
        var svg = SweepPlots.LatencyVsThroughput(summaries, "synthetic");
        XDocument.Parse(svg);
        Assert.Contains("4/s", svg);
        XDocument.Parse(SweepPlots.AchievedVsOffered(summaries, "synthetic"));
    }

    [Fact]
    public void Long_subtitles_wrap_at_spaces()
    {
        var lines = Chart.Wrap(string.Join(' ', Enumerable.Repeat("word", 60)), 40);
        Assert.All(lines, l => Assert.True(l.Length <= 40));
        Assert.Equal(60, lines.Sum(l => l.Split(' ').Length));
    }
}
