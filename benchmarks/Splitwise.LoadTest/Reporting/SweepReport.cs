using System.Globalization;
using System.Text;
using System.Text.Json;
using Splitwise.LoadTest.Plotting;

namespace Splitwise.LoadTest.Reporting;

/// <summary>The sweep's own files: sweep.json, sweep.md and the two sweep plots; each rate's full report sits in its subfolder.</summary>
public static class SweepReport
{
    public static void Write(string dir, IReadOnlyList<SweepPoint> points, string label, string commandLine, IReadOnlyList<string> subfolders)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sweep_latency.svg"), SweepPlots.LatencyVsThroughput(points, label));
        File.WriteAllText(Path.Combine(dir, "sweep_throughput.svg"), SweepPlots.AchievedVsOffered(points, label));
        var json = points.Select(p => new
        {
            offered_rate = p.OfferedRate,
            summary = p.Summary,
            slo_met = p.Slo?.ToDictionary(c => c.Metric, c => c.Passed),
        });
        File.WriteAllText(Path.Combine(dir, "sweep.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));

        var sb = new StringBuilder();
        sb.AppendLine($"# Rate sweep: {label}").AppendLine().AppendLine("```").AppendLine(commandLine).AppendLine("```").AppendLine();
        sb.AppendLine("| offered (req/s) | achieved (req/s) | output tok/s | TTFT median / P99 (ms) | TPOT median / P99 (ms) | E2E median / P99 (ms) | failed | SLOs met | report |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|---|");
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var s = p.Summary;
            string slo = p.Slo == null ? "n/a" : string.Join(", ", p.Slo.Select(c => $"{c.Metric} {(c.Passed ? "yes" : "no")}"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.OfferedRate:0.###} | {s.RequestThroughput:0.###} | {s.OutputThroughput:0.#} | {s.Ttft.Median:0.#} / {s.Ttft.P99:0.#} | {s.Tpot.Median:0.##} / {s.Tpot.P99:0.##} | {s.E2e.Median:0.#} / {s.E2e.P99:0.#} | {s.Failed} | {slo} | [{subfolders[i]}]({subfolders[i]}/report.md) |"));
        }
        sb.AppendLine().AppendLine("![latency vs throughput](sweep_latency.svg)").AppendLine().AppendLine("![achieved vs offered](sweep_throughput.svg)");
        File.WriteAllText(Path.Combine(dir, "sweep.md"), sb.ToString());
    }
}
