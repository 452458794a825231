using System.Globalization;
using System.Text;

namespace Splitwise.LoadTest.Comparing;

/// <summary>comparison.md: both runs' setup, the side-by-side table with ratios B/A, the server's own metrics when scraped, and the plots.</summary>
public static class ComparisonMarkdown
{
    public static string Build(LoadedRun a, LoadedRun b, string labelA, string labelB, IReadOnlyList<ComparisonRow> rows,
        string? serverMetrics, IReadOnlyList<string> plotFiles)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {labelA} vs {labelB}").AppendLine();
        sb.AppendLine($"Ratios are {labelB} / {labelA}: below 1 means {labelB} is lower (for latencies, better).").AppendLine();

        sb.AppendLine("## Runs").AppendLine();
        sb.AppendLine($"| | {labelA} | {labelB} |").AppendLine("|---|---|---|");
        sb.AppendLine($"| result | `{a.Path}` | `{b.Path}` |");
        sb.AppendLine($"| model | `{a.Model}` | `{b.Model}` |");
        sb.AppendLine($"| run | {a.RunLabel} | {b.RunLabel} |");
        sb.AppendLine($"| seed | {a.Seed} | {b.Seed} |");
        sb.AppendLine($"| requests planned | {a.Planned} | {b.Planned} |");
        sb.AppendLine($"| workload | {a.Workload} | {(b.Workload == a.Workload ? "same" : b.Workload)} |");
        sb.AppendLine();
        var differences = RunComparison.SetupDifferences(a, b);
        sb.AppendLine(differences.Count == 0
            ? "Same model, workload, seed, request count and offered rate on both sides."
            : $"**Warning: the runs differ in setup** ({string.Join("; ", differences)}), so the ratios mix the effect of the target with the effect of the load.");
        sb.AppendLine();

        sb.AppendLine("## Latency and throughput").AppendLine();
        sb.AppendLine($"| metric | statistic | {labelA} | {labelB} | {labelB} / {labelA} |").AppendLine("|---|---|---:|---:|---:|");
        foreach (var r in rows)
        {
            string unit = r.Unit.Length > 0 ? $" ({r.Unit})" : "";
            sb.AppendLine($"| {r.Metric}{unit} | {r.Statistic} | {F(r.A)} | {F(r.B)} | {X(r.Ratio)} |");
        }
        sb.AppendLine();
        foreach (var (label, run) in new[] { (labelA, a), (labelB, b) })
            if (run.ErrorsByKind.Count > 0)
                sb.AppendLine($"Errors of {label}: {string.Join(", ", run.ErrorsByKind.Select(e => $"{e.Key} × {e.Value}"))}.").AppendLine();

        if (!string.IsNullOrEmpty(serverMetrics))
        {
            sb.AppendLine("## What the targets reported (/metrics after each run)").AppendLine();
            sb.Append(serverMetrics);
        }

        if (plotFiles.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (var f in plotFiles) sb.AppendLine($"![{Path.GetFileNameWithoutExtension(f)}]({f})").AppendLine();
        }
        sb.AppendLine("## Definitions").AppendLine();
        sb.AppendLine("As in each run's report.md: TTFT from send to the first output chunk; TPOT per request (E2E − TTFT)/(n − 1); ITL every gap between");
        sb.AppendLine("consecutive output chunks, pooled over requests (the TBT distribution); E2E send to end of stream. Percentiles interpolate");
        sb.AppendLine("linearly between closest ranks over successful requests. Throughput = successful requests (or their output tokens) / run duration.");
        return sb.ToString();
    }

    /// <summary>Whole numbers (request counts) without decimals; latencies and rates with one or two.</summary>
    internal static string F(double v) => double.IsNaN(v) ? "n/a"
        : v == Math.Floor(v) && Math.Abs(v) < 1e9 ? v.ToString("0", CultureInfo.InvariantCulture)
        : v.ToString(Math.Abs(v) >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    internal static string X(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
