using System.Globalization;
using Spectre.Console;
using Splitwise.LoadTest.Cli;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Prompts;
using Splitwise.LoadTest.Reporting;
using Splitwise.LoadTest.Slo;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Running;

/// <summary>
/// The whole program after parsing: ask the target what it serves, build the workload, measure the unloaded baseline,
/// run once or per sweep rate, and report each run (console, and files under --out). Stopping (Ctrl-C) still reports what finished.
/// </summary>
public sealed class LoadTestApp(LoadTestOptions o, IAnsiConsole console, string commandLine)
{
    /// <returns>0 when at least one request succeeded, 1 otherwise.</returns>
    public async Task<int> RunAsync(HttpClient http, CancellationToken cancellationToken)
    {
        TargetInfo target;
        try
        {
            target = await TargetInfo.QueryAsync(http, o.BaseUrl, o.ApiKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"cannot reach the target: GET {o.BaseUrl}/models failed ({e.Message}). Is the server up and --base-url right?", e);
        }
        string model = o.Model ?? target.ModelId
            ?? throw new FormatException($"--model not given and GET {o.BaseUrl}/models listed no model; pass --model NAME.");
        int? maxContext = o.MaxContext ?? target.MaxModelLen;
        console.MarkupLine($"Target [bold]{Markup.Escape(o.BaseUrl)}[/], model [bold]{Markup.Escape(model)}[/], context {(maxContext?.ToString(CultureInfo.InvariantCulture) ?? "unknown (no length fitting)")}");

        var trace = o.TracePath != null ? TraceReader.ReadFile(o.TracePath) : null;
        if (trace != null) console.MarkupLine($"Trace {Markup.Escape(o.TracePath!)}: {trace.Count} rows over {trace[^1].OffsetSeconds:0} s");
        var prompts = PromptSourceFactory.Create(o);
        console.MarkupLine($"Prompts: {Markup.Escape(prompts.Description)}");

        var client = new OpenAiStreamClient(http, o.BaseUrl, model, o.Endpoint, o.ApiKey, TimeSpan.FromSeconds(o.TimeoutSeconds));
        var runner = new LoadRunner(client, prompts, o.Endpoint, o.Seed);
        ConsoleReport.PrintDefinitions(console);

        double?[] rates = o.Sweep != null ? [.. o.Sweep.Select(r => (double?)r)] : [o.Rate];
        var first = WorkloadBuilder.Build(o, rates[0], trace, maxContext);

        BaselineModel? baseline = null;
        IReadOnlyList<RequestResult>? baselineResults = null;
        if (o.BaselineRequests > 0 && !cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine($"Measuring the unloaded baseline: {o.BaselineRequests} sequential requests after one warm-up…");
            try
            {
                (baseline, baselineResults) = await BaselineProbe.MeasureAsync(runner, first.Requests, o.BaselineRequests, o.BaselineOutputTokens, maxContext,
                    TimeSpan.FromSeconds(Math.Max(o.TimeoutSeconds, 30) * (o.BaselineRequests + 1)), cancellationToken).ConfigureAwait(false);
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"Baseline: TTFT(p) = {baseline.TtftInterceptMs:0.##} ms + {baseline.TtftPerPromptTokenMs:0.#####} ms × p, TBT = {baseline.TbtMs:0.###} ms"));
            }
            catch (InvalidOperationException e)
            {
                console.MarkupLine($"[red]Baseline failed: {Markup.Escape(e.Message)}[/] Slowdown SLOs will not be checked.");
            }
        }

        var points = new List<SweepPoint>();
        var folders = new List<string>();
        int succeeded = 0;
        foreach (var rate in rates)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var workload = rate == rates[0] ? first : WorkloadBuilder.Build(o, rate, trace, maxContext);
            if (workload.LengthsAdjusted > 0)
                console.MarkupLine($"[yellow]{workload.LengthsAdjusted} of {workload.Requests.Count} requests were {(o.LengthFit == LengthFitMode.Clip ? "clipped" : "scaled")} to fit the context of {maxContext} tokens.[/]");
            string label = rate is double r ? string.Create(CultureInfo.InvariantCulture, $"rate {r:0.###} req/s") : o.ClosedLoop ? $"concurrency {o.Concurrency}" : "trace replay";
            var context = new RunContext(label, o.BaseUrl, model, o.Endpoint.ToString().ToLowerInvariant(), workload.Description, prompts.Description,
                rate, o.Burstiness, o.Concurrency, o.ClosedLoop, o.Seed, DateTime.UtcNow, commandLine);
            console.MarkupLine($"[bold]Run: {Markup.Escape(label)}[/] — {Markup.Escape(workload.Description)}");

            var prepared = runner.Prepare(workload.Requests);
            var limits = new RunLimits(TimeSpan.FromSeconds(o.DurationSeconds), TimeSpan.FromSeconds(o.DrainSeconds), o.Concurrency, o.ClosedLoop);
            var outcome = await ProgressDisplay.RunAsync(console, !o.NoLiveProgress, label, prepared.Count,
                onResult => runner.RunAsync(prepared, limits, onResult, cancellationToken), () => runner.InFlight).ConfigureAwait(false);

            var summary = SummaryCalculator.Compute(outcome.Results, outcome.DurationSeconds, outcome.Planned, outcome.Unsent, o.Goodput);
            var slo = baseline != null ? SlowdownChecker.Check(outcome.Results, baseline, new SloLimits(o.SloTtft, o.SloTbt, o.SloE2e)) : null;
            succeeded += summary.Completed;
            ConsoleReport.PrintRun(console, context, summary, slo, baseline, outcome.StopReason);
            if (rate is double offered) points.Add(new SweepPoint(offered, summary, slo));
            if (o.OutDir != null)
            {
                string dir = o.Sweep != null ? Path.Combine(o.OutDir, string.Create(CultureInfo.InvariantCulture, $"rate_{rate:0.###}")) : o.OutDir;
                folders.Add(Path.GetFileName(dir));
                ReportFiles.WriteRun(dir, context, summary, outcome.Results, outcome.DurationSeconds, baseline, baselineResults, slo, outcome.StopReason);
                console.MarkupLine($"Wrote {Markup.Escape(Path.Combine(dir, "report.md"))}, result.json and 4 SVG plots.");
            }
        }

        if (o.Sweep != null && points.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Rate sweep: throughput vs latency[/]")
                .AddColumns("offered req/s", "achieved req/s", "output tok/s", "TTFT median/P99 ms", "TPOT median/P99 ms", "failed");
            foreach (var p in points)
            {
                var s = p.Summary;
                table.AddRow(F(p.OfferedRate), F(s.RequestThroughput), F(s.OutputThroughput), $"{F(s.Ttft.Median)} / {F(s.Ttft.P99)}", $"{F(s.Tpot.Median)} / {F(s.Tpot.P99)}", s.Failed.ToString(CultureInfo.InvariantCulture));
            }
            console.Write(table);
            if (o.OutDir != null)
            {
                SweepReport.Write(o.OutDir, points, first.Description.Split("; arrivals")[0], commandLine, folders);
                console.MarkupLine($"Wrote {Markup.Escape(Path.Combine(o.OutDir, "sweep.md"))} and the sweep plots.");
            }
        }
        if (cancellationToken.IsCancellationRequested) console.MarkupLine("[yellow]Stopped by the user; the reports cover what finished.[/]");
        return succeeded > 0 ? 0 : 1;
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
