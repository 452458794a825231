using System.Globalization;
using Splitwise.LoadTest.Metrics;

namespace Splitwise.LoadTest.Reporting;

/// <summary>The result table in vllm bench serve's layout: sections of (name, value) rows, shared by console and Markdown.</summary>
public static class SummaryRows
{
    public static List<(string Section, List<(string Name, string Value)> Rows)> Build(RunSummary s)
    {
        var head = new List<(string, string)>
        {
            ("Successful requests", I(s.Completed)),
            ("Failed requests", I(s.Failed)),
        };
        if (s.Cancelled > 0) head.Add(("Cancelled requests (stopped)", I(s.Cancelled)));
        if (s.Unsent > 0) head.Add(("Requests not sent", I(s.Unsent)));
        head.AddRange(
        [
            ("Benchmark duration (s)", F(s.DurationSeconds)),
            ("Total input tokens", I(s.TotalInputTokens)),
            ("Total generated tokens", I(s.TotalOutputTokens)),
            ("Request throughput (req/s)", F(s.RequestThroughput)),
            ("Output token throughput (tok/s)", F(s.OutputThroughput)),
            ("Total token throughput (tok/s)", F(s.TotalTokenThroughput)),
            ("Peak concurrent requests", I(s.PeakConcurrency)),
        ]);
        if (s.Goodput != null) head.Add(("Request goodput (req/s)", F(s.Goodput.Value) + $" ({s.GoodRequests} good)"));
        var sections = new List<(string, List<(string, string)>)>
        {
            ("Serving Benchmark Result", head),
            Latency("Time to First Token", "TTFT", s.Ttft),
            Latency("Time per Output Token (excl. 1st token)", "TPOT", s.Tpot),
            Latency("Inter-token Latency", "ITL", s.Itl),
            Latency("End-to-end Latency", "E2EL", s.E2e),
        };
        return sections;
    }

    private static (string, List<(string, string)>) Latency(string title, string key, LatencyStats l) => (title,
    [
        ($"Mean {key} (ms)", F(l.Mean)),
        ($"Median {key} (ms)", F(l.Median)),
        ($"P90 {key} (ms)", F(l.P90)),
        ($"P99 {key} (ms)", F(l.P99)),
        ($"Max {key} (ms)", F(l.Max)),
    ]);

    private static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
