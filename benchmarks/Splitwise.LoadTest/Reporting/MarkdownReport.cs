using System.Globalization;
using System.Text;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Slo;

namespace Splitwise.LoadTest.Reporting;

/// <summary>A human-readable report of one run: setup, the vLLM-style table, slowdown SLOs, errors, plots and definitions.</summary>
public static class MarkdownReport
{
    public static string Build(RunContext c, RunSummary s, BaselineModel? baseline, IReadOnlyList<SloCheck>? slo, string? stopReason, IReadOnlyList<string> plotFiles)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Load test: {c.Label}").AppendLine();
        sb.AppendLine("```").AppendLine(c.CommandLine).AppendLine("```").AppendLine();
        sb.AppendLine("| setting | value |").AppendLine("|---|---|");
        sb.AppendLine($"| started (UTC) | {c.StartedUtc:yyyy-MM-dd HH:mm:ss} |");
        sb.AppendLine($"| target | `{c.BaseUrl}` ({c.Endpoint}) |");
        sb.AppendLine($"| model | `{c.Model}` |");
        sb.AppendLine($"| workload | {c.Workload} |");
        sb.AppendLine($"| prompts | {c.Prompts} |");
        sb.AppendLine($"| arrivals | {Arrivals(c)} |");
        sb.AppendLine($"| seed | {c.Seed} |");
        if (stopReason != null) sb.AppendLine($"| stopped early | {stopReason} |");
        sb.AppendLine();

        sb.AppendLine("## Results").AppendLine();
        sb.AppendLine("| metric | value |").AppendLine("|---|---:|");
        foreach (var (section, rows) in SummaryRows.Build(s))
        {
            sb.AppendLine($"| **{section}** | |");
            foreach (var (name, value) in rows) sb.AppendLine($"| {name} | {value} |");
        }
        sb.AppendLine();
        if (s.PromptLengthMismatches is int pm) sb.AppendLine($"Prompt lengths reported by the server differing from the plan: {pm} of {s.Completed}.");
        if (s.OutputLengthMismatches is int om) sb.AppendLine($"Output lengths reported by the server differing from the plan: {om} of {s.Completed}.");
        sb.AppendLine();

        if (s.ErrorsByKind.Count > 0)
        {
            sb.AppendLine("## Errors by kind").AppendLine().AppendLine("| kind | count |").AppendLine("|---|---:|");
            foreach (var (k, n) in s.ErrorsByKind) sb.AppendLine($"| {k} | {n} |");
            sb.AppendLine();
        }

        if (baseline != null && slo != null)
        {
            sb.AppendLine("## Slowdown SLOs (Splitwise)").AppendLine();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"Unloaded baseline from {baseline.Samples} sequential requests: TTFT(p) = {baseline.TtftInterceptMs:0.##} ms + {baseline.TtftPerPromptTokenMs:0.#####} ms × prompt tokens; TBT = {baseline.TbtMs:0.###} ms; E2E(p, n) = TTFT(p) + (n − 1) × TBT."));
            sb.AppendLine();
            sb.AppendLine("| metric | judged | P50 slowdown (limit) | P90 slowdown (limit) | P99 slowdown (limit) | met |").AppendLine("|---|---:|---:|---:|---:|---|");
            foreach (var ch in slo)
                sb.AppendLine($"| {ch.Metric} | {ch.Count} | {X(ch.Observed[0])} ({X(ch.Limits[0])}) | {X(ch.Observed[1])} ({X(ch.Limits[1])}) | {X(ch.Observed[2])} ({X(ch.Limits[2])}) | {(ch.Passed ? "yes" : "**no**")} |");
            sb.AppendLine();
        }

        if (plotFiles.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (var f in plotFiles) sb.AppendLine($"![{Path.GetFileNameWithoutExtension(f)}]({f})").AppendLine();
        }

        sb.AppendLine("## Definitions").AppendLine();
        foreach (var (name, def) in MetricDefinitions.All) sb.AppendLine($"- **{name}**: {def}.");
        return sb.ToString();
    }

    public static string Arrivals(RunContext c)
    {
        if (c.ClosedLoop) return $"closed loop, concurrency {c.Concurrency}";
        string cap = c.Concurrency is int n ? $", at most {n} in flight" : "";
        if (c.OfferedRate is double r)
            return string.Create(CultureInfo.InvariantCulture, $"{(c.Burstiness == 1 ? "Poisson" : $"gamma, burstiness {c.Burstiness:0.###}")} at {r:0.###} req/s{cap}");
        return "trace timestamps" + cap;
    }

    internal static string X(double v) => double.IsNaN(v) ? "n/a" : double.IsPositiveInfinity(v) ? "∞" : v.ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
