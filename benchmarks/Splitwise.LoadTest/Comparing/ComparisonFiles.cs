using System.Text.Json;
using Splitwise.LoadTest.Plotting;

namespace Splitwise.LoadTest.Comparing;

/// <summary>Reads both runs (and their scraped /metrics, if given) and writes comparison.md, comparison.json and the SVGs into the out folder.</summary>
public static class ComparisonFiles
{
    public static (IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<string> Files) Write(CompareOptions o)
    {
        // Paths in the report are relative to it, so the folder can move (e.g. into docs/).
        var a = RunResultReader.ReadFile(o.ResultA) with { Path = Path.GetRelativePath(o.OutDir, o.ResultA) };
        var b = RunResultReader.ReadFile(o.ResultB) with { Path = Path.GetRelativePath(o.OutDir, o.ResultB) };
        var rows = RunComparison.Compute(a, b);
        string? server = null;
        if (o.MetricsA != null && o.MetricsB != null)
            server = ServerMetricsTable.Build(PrometheusText.ReadFile(o.MetricsA), PrometheusText.ReadFile(o.MetricsB), o.LabelA, o.LabelB, o.MetricMatch);

        Directory.CreateDirectory(o.OutDir);
        string same = RunComparison.SetupDifferences(a, b).Count == 0 ? "same load, " : "DIFFERENT load, ";
        string subtitle = $"{a.Model} · {a.RunLabel} · {same}seed {a.Seed} · {o.LabelA}: {a.Completed} ok, {o.LabelB}: {b.Completed} ok";
        (string, IReadOnlyList<double>, string)[] Runs(Func<LoadedRun, IReadOnlyList<double>> pick) =>
            [(o.LabelA, pick(a), Palette.Blue), (o.LabelB, pick(b), Palette.Vermillion)];
        IReadOnlyList<double> Stats(string metric, bool first) =>
            [.. RunComparison.Percentiles.Select(p => rows.Single(r => r.Metric == metric && r.Statistic == p.Name)).Select(r => first ? r.A : r.B)];
        string[] pNames = [.. RunComparison.Percentiles.Select(p => p.Name)];

        var plots = new (string File, string Svg)[]
        {
            ("itl_cdf.svg", ComparisonPlots.LatencyCdfs("ITL", Runs(r => r.ItlMs), subtitle)),
            ("ttft_cdf.svg", ComparisonPlots.LatencyCdfs("TTFT", Runs(r => r.TtftMs), subtitle)),
            ("tbt_percentiles.svg", ComparisonPlots.PercentileBars([.. pNames.Select(p => $"ITL {p}").Concat(pNames.Select(p => $"TPOT {p}"))],
                [(o.LabelA, [.. Stats("ITL", true), .. Stats("TPOT", true)], Palette.Blue), (o.LabelB, [.. Stats("ITL", false), .. Stats("TPOT", false)], Palette.Vermillion)],
                "Time between tokens: P50 / P90 / P99", subtitle)),
            ("ttft_percentiles.svg", ComparisonPlots.PercentileBars([.. pNames.Select(p => $"TTFT {p}").Concat(pNames.Select(p => $"E2E {p}"))],
                [(o.LabelA, [.. Stats("TTFT", true), .. Stats("E2E", true)], Palette.Blue), (o.LabelB, [.. Stats("TTFT", false), .. Stats("E2E", false)], Palette.Vermillion)],
                "Time to first token and end-to-end latency: P50 / P90 / P99", subtitle)),
        };
        foreach (var (file, svg) in plots) File.WriteAllText(Path.Combine(o.OutDir, file), svg);

        File.WriteAllText(Path.Combine(o.OutDir, "comparison.md"), ComparisonMarkdown.Build(a, b, o.LabelA, o.LabelB, rows, server, [.. plots.Select(p => p.File)]));
        var json = new
        {
            labels = new[] { o.LabelA, o.LabelB },
            results = new[] { o.ResultA, o.ResultB },
            ratio = $"{o.LabelB} / {o.LabelA}",
            setup_differences = RunComparison.SetupDifferences(a, b),
            rows = rows.Select(r => new { r.Metric, r.Statistic, r.Unit, a = r.A, b = r.B, r.Ratio }),
        };
        File.WriteAllText(Path.Combine(o.OutDir, "comparison.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        return (rows, [.. plots.Select(p => Path.Combine(o.OutDir, p.File)), Path.Combine(o.OutDir, "comparison.md"), Path.Combine(o.OutDir, "comparison.json")]);
    }
}
