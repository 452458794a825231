using System.Globalization;
using Spectre.Console;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Slo;

namespace Splitwise.LoadTest.Reporting;

/// <summary>Console output: the definitions (once), and each run's table in vllm bench serve's layout.</summary>
public static class ConsoleReport
{
    public static void PrintDefinitions(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Simple).Title("[bold]Metric definitions[/]").AddColumn("metric").AddColumn("definition");
        foreach (var (name, def) in MetricDefinitions.All) table.AddRow(Markup.Escape(name), Markup.Escape(def));
        console.Write(table);
    }

    public static void PrintRun(IAnsiConsole console, RunContext c, RunSummary s, IReadOnlyList<SloCheck>? slo, BaselineModel? baseline, string? stopReason)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(c.Label)}[/]").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (section, rows) in SummaryRows.Build(s))
        {
            table.AddRow($"[bold yellow]{Markup.Escape(section)}[/]", "");
            foreach (var (name, value) in rows) table.AddRow(Markup.Escape(name), value);
        }
        console.Write(table);
        if (stopReason != null) console.MarkupLine($"[yellow]Stopped early: {Markup.Escape(stopReason)}[/]");
        if (s.ErrorsByKind.Count > 0)
            console.MarkupLine("[red]Errors:[/] " + Markup.Escape(string.Join(", ", s.ErrorsByKind.Select(kv => $"{kv.Key} × {kv.Value}"))));
        if (s.PromptLengthMismatches is int pm && pm > 0) console.MarkupLine($"[yellow]{pm} of {s.Completed} prompts were not the planned length per the server's usage.[/]");
        if (s.OutputLengthMismatches is int om && om > 0) console.MarkupLine($"[yellow]{om} of {s.Completed} outputs were not the planned length per the server's usage.[/]");
        if (slo != null && baseline != null)
        {
            var t = new Table().Border(TableBorder.Rounded)
                .Title(string.Create(CultureInfo.InvariantCulture, $"Slowdown vs unloaded baseline (TTFT {baseline.TtftInterceptMs:0.#} ms + {baseline.TtftPerPromptTokenMs:0.####} ms/token, TBT {baseline.TbtMs:0.##} ms)"))
                .AddColumn("metric").AddColumn("P50 (limit)").AddColumn("P90 (limit)").AddColumn("P99 (limit)").AddColumn("met");
            foreach (var ch in slo)
                t.AddRow(ch.Metric, Cell(ch, 0), Cell(ch, 1), Cell(ch, 2), ch.Passed ? "[green]yes[/]" : "[red]no[/]");
            console.Write(t);
        }
    }

    private static string Cell(SloCheck ch, int i) =>
        $"{(ch.Observed[i] <= ch.Limits[i] ? "" : "[red]")}{MarkdownReport.X(ch.Observed[i])}{(ch.Observed[i] <= ch.Limits[i] ? "" : "[/]")} ({MarkdownReport.X(ch.Limits[i])})";
}
