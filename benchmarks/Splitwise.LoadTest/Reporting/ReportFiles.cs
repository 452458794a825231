using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Plotting;
using Splitwise.LoadTest.Slo;

namespace Splitwise.LoadTest.Reporting;

/// <summary>Writes one run's files into a folder: result.json, report.md and the SVG plots.</summary>
public static class ReportFiles
{
    public static IReadOnlyList<string> WriteRun(string dir, RunContext c, RunSummary s, IReadOnlyList<RequestResult> results, double duration,
        BaselineModel? baseline, IReadOnlyList<RequestResult>? baselineResults, IReadOnlyList<SloCheck>? slo, string? stopReason)
    {
        Directory.CreateDirectory(dir);
        var ok = results.Where(r => r.Success).ToList();
        var plots = new (string File, string Svg)[]
        {
            ("ttft_cdf.svg", RunPlots.LatencyCdf("TTFT", ok.Select(r => r.TtftMs).ToList(), c.Label, Palette.Blue)),
            ("itl_cdf.svg", RunPlots.LatencyCdf("ITL", ok.SelectMany(r => r.ItlMs).ToList(), c.Label, Palette.Green)),
            ("throughput_over_time.svg", RunPlots.ThroughputOverTime(results, duration, c.Label)),
            ("latency_over_time.svg", RunPlots.LatencyOverTime(results, c.Label)),
        };
        foreach (var (file, svg) in plots) File.WriteAllText(Path.Combine(dir, file), svg);
        File.WriteAllText(Path.Combine(dir, "result.json"), JsonReport.Serialize(c, s, results, baseline, baselineResults, slo, stopReason));
        File.WriteAllText(Path.Combine(dir, "report.md"), MarkdownReport.Build(c, s, baseline, slo, stopReason, plots.Select(p => p.File).ToList()));
        return [.. plots.Select(p => Path.Combine(dir, p.File)), Path.Combine(dir, "result.json"), Path.Combine(dir, "report.md")];
    }
}
