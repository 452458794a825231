using System.Xml.Linq;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Comparing;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Reporting;

namespace Splitwise.Tests.LoadTest;

public class ComparisonTests
{
    private static RunContext Context(int seed = 3, double rate = 2) => new("rate 2 req/s", "http://127.0.0.1:1/v1", "synthetic:m", "completions",
        "trace conv: scaled", "token-id prompts", rate, 1, null, false, seed, new DateTime(2026, 1, 1), "loadtest --seed 3");

    /// <summary>A result.json as a run writes it, from scripted requests.</summary>
    private static string ResultJson(IReadOnlyList<RequestResult> results, double duration, RunContext? context = null)
    {
        var summary = SummaryCalculator.Compute(results, duration, results.Count, 0);
        return JsonReport.Serialize(context ?? Context(), summary, results, null, null, null, null);
    }

    // A ("mixed"): TTFTs 100..500, gaps of 10 ms with one 400 ms stall; B ("split"): TTFTs 200..1000, steady 20 ms gaps.
    private static readonly List<RequestResult> Mixed =
    [
        MetricsTests.Ok(0, 0.0, 100, [10, 10, 400]),
        MetricsTests.Ok(1, 0.5, 200, [10, 10]),
        MetricsTests.Ok(2, 1.0, 300, [10]),
        MetricsTests.Ok(3, 1.5, 400, [10, 10, 10]),
        MetricsTests.Ok(4, 2.0, 500, [10]),
        MetricsTests.Failed(5, 2.5, "http_500"),
    ];

    private static readonly List<RequestResult> Split =
    [
        MetricsTests.Ok(0, 0.0, 200, [20, 20, 20]),
        MetricsTests.Ok(1, 0.5, 400, [20, 20]),
        MetricsTests.Ok(2, 1.0, 600, [20]),
        MetricsTests.Ok(3, 1.5, 800, [20, 20, 20]),
        MetricsTests.Ok(4, 2.0, 1000, [20]),
        MetricsTests.Ok(5, 2.5, 1200, [20, 20]),
    ];

    private static ComparisonRow Row(List<ComparisonRow> rows, string metric, string statistic) => rows.Single(r => r.Metric == metric && r.Statistic == statistic);

    [Fact]
    public void Percentiles_and_ratios_are_recomputed_from_the_per_request_samples_of_both_runs()
    {
        var a = RunResultReader.Parse(ResultJson(Mixed, 4.0), "mixed/result.json");
        var b = RunResultReader.Parse(ResultJson(Split, 4.0), "split/result.json");
        var rows = RunComparison.Compute(a, b);

        // Mixed TTFTs of the 5 successes: 100..500 (the failed request is left out). P50 = 300, P90 = 460, P99 = 496.
        Assert.Equal(300, Row(rows, "TTFT", "P50").A, 9);
        Assert.Equal(460, Row(rows, "TTFT", "P90").A, 9);
        Assert.Equal(496, Row(rows, "TTFT", "P99").A, 9);
        // Split TTFTs 200..1200 (6): P50 = 700, P99 = 1200 − 0.05 × 200 = 1190.
        Assert.Equal(700, Row(rows, "TTFT", "P50").B, 9);
        Assert.Equal(1190, Row(rows, "TTFT", "P99").B, 9);
        Assert.Equal(700.0 / 300, Row(rows, "TTFT", "P50").Ratio, 9);

        // Mixed ITLs pooled: nine 10s and one 400 (rank 8.91 of 0..9): P90 = 10 + 0.1 × 390 = 49, P99 = 10 + 0.91 × 390 = 364.9.
        Assert.Equal(10, Row(rows, "ITL", "P50").A, 9);
        Assert.Equal(49, Row(rows, "ITL", "P90").A, 9);
        Assert.Equal(364.9, Row(rows, "ITL", "P99").A, 9);
        Assert.Equal(20, Row(rows, "ITL", "P99").B, 9);
        Assert.Equal(20 / 364.9, Row(rows, "ITL", "P99").Ratio, 9);
        Assert.Equal(2.0, Row(rows, "ITL", "P50").Ratio, 9);

        // TPOT per request: request 0 of mixed = 420 / 3 = 140; the others 10. Mean (140 + 4 × 10) / 5 = 36.
        Assert.Equal(36, Row(rows, "TPOT", "mean").A, 9);
        // Throughput as the runs reported it: 5 / 4 s vs 6 / 4 s.
        Assert.Equal(1.25, Row(rows, "Throughput", "requests/s").A, 9);
        Assert.Equal(1.5, Row(rows, "Throughput", "requests/s").B, 9);
        Assert.Equal(1.2, Row(rows, "Throughput", "requests/s").Ratio, 9);
        Assert.Equal(1, Row(rows, "Requests", "failed").A);
        Assert.Equal(0, Row(rows, "Requests", "failed").B);
        Assert.Equal(0, Row(rows, "Requests", "failed").Ratio);
        Assert.True(double.IsNaN(Row(rows, "Requests", "cancelled or not sent").Ratio), "0 / 0 has no ratio");
        Assert.Empty(RunComparison.SetupDifferences(a, b));
    }

    [Fact]
    public void The_recomputed_percentiles_agree_with_the_runs_own_summary()
    {
        var summary = SummaryCalculator.Compute(Mixed, 4.0, Mixed.Count, 0);
        var a = RunResultReader.Parse(ResultJson(Mixed, 4.0), "a");
        var rows = RunComparison.Compute(a, a);
        Assert.Equal(summary.Itl.P99, Row(rows, "ITL", "P99").A, 3);
        Assert.Equal(summary.Tpot.P90, Row(rows, "TPOT", "P90").A, 3);
        Assert.Equal(summary.E2e.Median, Row(rows, "E2E", "P50").A, 3);
        Assert.All(rows.Where(r => r.A != 0), r => Assert.Equal(1.0, r.Ratio, 12));
    }

    [Fact]
    public void Runs_with_different_seeds_or_rates_are_flagged_as_different_experiments()
    {
        var a = RunResultReader.Parse(ResultJson(Mixed, 4.0), "a");
        var b = RunResultReader.Parse(ResultJson(Split, 4.0, Context(seed: 4, rate: 3)), "b");
        var d = RunComparison.SetupDifferences(a, b);
        Assert.Contains(d, s => s.StartsWith("seed: 3 vs 4", StringComparison.Ordinal));
        Assert.Contains(d, s => s.StartsWith("offered rate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_result_file_missing_a_field_is_an_error_naming_file_and_field()
    {
        string json = ResultJson(Mixed, 4.0).Replace("\"itls\"", "\"itl_list\"", StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => RunResultReader.Parse(json, "runs/mixed/result.json"));
        Assert.Contains("runs/mixed/result.json", e.Message);
        Assert.Contains("'itls'", e.Message);
        Assert.Contains("no such file", Assert.Throws<FormatException>(() => RunResultReader.ReadFile("/nonexistent/result.json")).Message);
    }

    [Fact]
    public void Histogram_quantiles_interpolate_inside_the_bucket_holding_the_rank()
    {
        // 10 observations: 4 in (0, 0.1], 4 in (0.1, 0.5], 2 in (0.5, 1]; none above.
        (double, double)[] buckets = [(0.1, 4), (0.5, 8), (1, 10), (double.PositiveInfinity, 10)];
        Assert.Equal(0.1 + 0.4 * (5 - 4) / 4.0, HistogramSummary.Quantile(buckets, 0.5), 12);
        Assert.Equal(0.5 + 0.5 * (9 - 8) / 2.0, HistogramSummary.Quantile(buckets, 0.9), 12);
        Assert.Equal(0.1 * 2 / 4.0, HistogramSummary.Quantile(buckets, 0.2), 12);
        // A rank in the +Inf bucket gives the largest finite bound.
        Assert.Equal(1, HistogramSummary.Quantile([(0.1, 4), (1, 8), (double.PositiveInfinity, 10)], 0.99), 12);
        Assert.True(double.IsNaN(HistogramSummary.Quantile([(1, 0), (double.PositiveInfinity, 0)], 0.5)));
    }

    [Fact]
    public void Prometheus_text_is_parsed_and_histogram_series_are_added_across_labels()
    {
        const string text = """
            # HELP hop_seconds Hop time.
            # TYPE hop_seconds histogram
            hop_seconds_bucket{machine="p0",le="0.1"} 1
            hop_seconds_bucket{machine="p0",le="1"} 3
            hop_seconds_bucket{machine="p0",le="+Inf"} 3
            hop_seconds_sum{machine="p0"} 1.5
            hop_seconds_count{machine="p0"} 3
            hop_seconds_bucket{machine="p1",le="0.1"} 1
            hop_seconds_bucket{machine="p1",le="1"} 1
            hop_seconds_bucket{machine="p1",le="+Inf"} 1
            hop_seconds_sum{machine="p1"} 0.05
            hop_seconds_count{machine="p1"} 1
            kv_bytes_total{machine="t0",note="a \"quoted\" value"} 1.5e6 1700000000000
            up 1
            """;
        var samples = PrometheusText.Parse(text, "m.txt");
        Assert.Equal(12, samples.Count);
        Assert.Equal("a \"quoted\" value", samples.Single(s => s.Name == "kv_bytes_total").Labels["note"]);
        Assert.Equal(1.5e6, samples.Single(s => s.Name == "kv_bytes_total").Value);

        var h = HistogramSummary.All(samples)["hop_seconds"];
        Assert.Equal(4, h.Count);
        Assert.Equal(1.55 / 4, h.Mean, 12);
        // Merged buckets: (0.1, 2), (1, 4), (+Inf, 4): the median (rank 2) is the first bucket's top.
        Assert.Equal(0.1, h.P50, 12);
        Assert.Equal(0.1 + 0.9 * (3.6 - 2) / 2, h.P90, 12);

        var e = Assert.Throws<FormatException>(() => PrometheusText.Parse("ok 1\nbad_metric{x=\"1\"} twelve\n", "scrape.txt"));
        Assert.Contains("scrape.txt:2", e.Message);
    }

    [Fact]
    public void Server_metrics_table_lists_histograms_in_ms_and_the_matching_counters()
    {
        var a = PrometheusText.Parse("t_seconds_bucket{le=\"1\"} 2\nt_seconds_bucket{le=\"+Inf\"} 2\nt_seconds_sum 0.5\nt_seconds_count 2\nx_retries_total 3\nother 9\n", "a");
        var b = PrometheusText.Parse("t_seconds_bucket{le=\"1\"} 0\nt_seconds_bucket{le=\"+Inf\"} 0\nt_seconds_sum 0\nt_seconds_count 0\n", "b");
        string md = ServerMetricsTable.Build(a, b, "mixed", "split", ["retries"]);
        Assert.Contains("| `t_seconds` | mixed | 2 | 250 |", md);
        Assert.Contains("| `t_seconds` | split | 0 |", md);
        Assert.Contains("| `x_retries_total` | 3 | – |", md);
        Assert.DoesNotContain("other", md);
    }

    [Fact]
    public void Compare_options_need_two_results_and_an_out_folder()
    {
        var o = CompareOptionsParser.Parse(["a/result.json", "b/result.json", "--labels", "mixed,split", "--out", "cmp", "--metrics", "a.txt,b.txt", "--metric-match", "kv_,retries"]);
        Assert.Equal(("a/result.json", "b/result.json", "mixed", "split", "cmp"), (o.ResultA, o.ResultB, o.LabelA, o.LabelB, o.OutDir));
        Assert.Equal(("a.txt", "b.txt"), (o.MetricsA, o.MetricsB));
        Assert.Equal(["kv_", "retries"], o.MetricMatch);
        Assert.Contains("exactly two", Assert.Throws<FormatException>(() => CompareOptionsParser.Parse(["a", "--out", "x"])).Message);
        Assert.Contains("--out", Assert.Throws<FormatException>(() => CompareOptionsParser.Parse(["a", "b"])).Message);
        Assert.Contains("--labels", Assert.Throws<FormatException>(() => CompareOptionsParser.Parse(["a", "b", "--out", "x", "--labels", "one"])).Message);
        Assert.Contains("differ", Assert.Throws<FormatException>(() => CompareOptionsParser.Parse(["a", "b", "--out", "x", "--labels", "s,s"])).Message);
        Assert.Contains("--bogus", Assert.Throws<FormatException>(() => CompareOptionsParser.Parse(["a", "b", "--out", "x", "--bogus"])).Message);
    }

    [Fact]
    public void The_compare_verb_writes_markdown_json_and_overlaid_svg_plots()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sw-compare-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "mixed"));
            Directory.CreateDirectory(Path.Combine(dir, "split"));
            File.WriteAllText(Path.Combine(dir, "mixed", "result.json"), ResultJson(Mixed, 4.0));
            File.WriteAllText(Path.Combine(dir, "split", "result.json"), ResultJson(Split, 4.0));
            var output = new StringWriter();
            var error = new StringWriter();
            int rc = CompareCommand.Run([Path.Combine(dir, "mixed", "result.json"), Path.Combine(dir, "split", "result.json"), "--labels", "mixed,split", "--out", Path.Combine(dir, "cmp")], output, error);
            Assert.True(rc == 0, error.ToString());

            string md = File.ReadAllText(Path.Combine(dir, "cmp", "comparison.md"));
            Assert.Contains("| ITL (ms) | P99 | 364.9 | 20 | 0.05× |", md);
            Assert.Contains("| Throughput (req/s) | requests/s | 1.25 | 1.50 | 1.20× |", md);
            Assert.Contains("Same model, workload, seed", md);
            foreach (var svg in new[] { "itl_cdf.svg", "ttft_cdf.svg", "tbt_percentiles.svg", "ttft_percentiles.svg" })
            {
                var doc = XDocument.Parse(File.ReadAllText(Path.Combine(dir, "cmp", svg)));
                var texts = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
                Assert.Contains(texts, t => t.StartsWith("mixed", StringComparison.Ordinal));
                Assert.Contains(texts, t => t.StartsWith("split", StringComparison.Ordinal));
            }
            var cdf = XDocument.Parse(File.ReadAllText(Path.Combine(dir, "cmp", "itl_cdf.svg")));
            Assert.Equal(2, cdf.Descendants().Count(e => e.Name.LocalName == "polyline"));
            var bars = XDocument.Parse(File.ReadAllText(Path.Combine(dir, "cmp", "tbt_percentiles.svg")));
            Assert.Contains(bars.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value == "365");
            Assert.Contains("\"ratio\": \"split / mixed\"", File.ReadAllText(Path.Combine(dir, "cmp", "comparison.json")));

            Assert.Equal(2, CompareCommand.Run([Path.Combine(dir, "nope.json"), Path.Combine(dir, "split", "result.json"), "--out", Path.Combine(dir, "x")], output, error));
            Assert.Contains("nope.json: no such file", error.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
