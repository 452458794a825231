using Spectre.Console;
using Splitwise.LoadTest.Cli;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Prompts;
using Splitwise.LoadTest.Running;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.Tests.LoadTest;

[Trait("Category", "Integration")]
[Collection(nameof(LoadTestTimingCollection))]
public class LoadTestEndToEndTests
{
    private const double Ttft = 80, Itl = 20;

    private static (LoadRunner Runner, HttpClient Http) Runner(string baseUrl, ApiEndpoint endpoint = ApiEndpoint.Completions)
    {
        var http = OpenAiStreamClient.CreateHttpClient();
        var client = new OpenAiStreamClient(http, baseUrl, "fake-model", endpoint, null, TimeSpan.FromSeconds(10));
        IPromptSource prompts = endpoint == ApiEndpoint.Chat
            ? new TextPromptSource(CommonWords.All, 0, false, false, "built-in")
            : new TokenIdPromptSource(10, 500);
        return (new LoadRunner(client, prompts, endpoint, seed: 1), http);
    }

    /// <summary>One request first, so the first-call costs of client and server (JIT, connection) stay out of the timed ones.</summary>
    private static async Task WarmUpAsync(LoadRunner runner)
    {
        await runner.RunAsync(runner.Prepare([new PlannedRequest(0, 4, 2, null)]), new RunLimits(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 1, true), null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Measured_ttft_and_itl_match_the_delays_the_server_injects()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ttft, Itl);
        var (runner, http) = Runner(server.BaseUrl);
        using var _ = http;
        await WarmUpAsync(runner);
        // One at a time, so the n-th result pairs with the server's n-th timeline.
        var plan = Enumerable.Range(0, 6).Select(i => new PlannedRequest(i, 16 + i, 8, null)).ToList();
        var outcome = await runner.RunAsync(runner.Prepare(plan), new RunLimits(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), 1, ClosedLoop: true), null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        var s = SummaryCalculator.Compute(outcome.Results, outcome.DurationSeconds, outcome.Planned, outcome.Unsent);

        Assert.Equal(6, s.Completed);
        Assert.Equal(0, s.Failed);
        Assert.All(outcome.Results, r => Assert.Equal(7, r.ItlMs.Length));
        Assert.Equal(48, s.TotalOutputTokens);
        Assert.Equal(0, s.PromptLengthMismatches);
        Assert.Equal(1, s.PeakConcurrency);
        // Token-id prompts reach the server with exactly the planned length (after the warm-up's 4).
        Assert.Equal(plan.Select(p => p.PromptTokens).Prepend(4).Order(), server.PromptLengths.Order());

        // Against what the server actually did (same clock): TTFT can only be longer than the server's arrival-to-first-flush
        // and by no more than the loopback hop; every measured gap matches the server's gap between flushes.
        var timelines = server.Timelines.Skip(1).ToList();
        var results = outcome.Results.OrderBy(r => r.Index).ToList();
        var ttftExcess = new List<double>();
        var itlError = new List<double>();
        for (int i = 0; i < results.Count; i++)
        {
            var (arrived, flushed) = timelines[i];
            double serverTtft = System.Diagnostics.Stopwatch.GetElapsedTime(arrived, flushed[0]).TotalMilliseconds;
            Assert.True(results[i].TtftMs >= serverTtft, $"TTFT {results[i].TtftMs:0.00} ms < the server's {serverTtft:0.00} ms");
            ttftExcess.Add(results[i].TtftMs - serverTtft);
            for (int k = 1; k < flushed.Count; k++)
                itlError.Add(Math.Abs(results[i].ItlMs[k - 1] - System.Diagnostics.Stopwatch.GetElapsedTime(flushed[k - 1], flushed[k]).TotalMilliseconds));
        }
        Assert.InRange(ttftExcess.Order().ElementAt(ttftExcess.Count / 2), 0, 3);
        Assert.InRange(itlError.Order().ElementAt(itlError.Count / 2), 0, 2);

        // Against the nominal delays: a few ms on a quiet machine (the bounds leave room for a busy one's scheduler slices).
        Assert.InRange(s.Ttft.Median, Ttft, Ttft + 12);
        Assert.InRange(s.Itl.Median, Itl - 4, Itl + 4);
        Assert.InRange(s.Tpot.Mean, Itl - 3, Itl + 3);
        Assert.InRange(s.E2e.Median, Ttft + 7 * Itl, Ttft + 7 * Itl + 20);
    }

    [Fact]
    public async Task Chat_endpoint_streams_deltas_and_is_timed_the_same_way()
    {
        await using var server = await FakeOpenAiServer.StartAsync(Ttft, Itl);
        var (runner, http) = Runner(server.BaseUrl, ApiEndpoint.Chat);
        using var _ = http;
        await WarmUpAsync(runner);
        var plan = Enumerable.Range(0, 4).Select(i => new PlannedRequest(i, 20, 4, null)).ToList();
        var outcome = await runner.RunAsync(runner.Prepare(plan), new RunLimits(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), 1, true), null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(outcome.Results, r =>
        {
            Assert.True(r.Success, r.ErrorDetail);
            Assert.True(r.TtftMs >= Ttft, $"TTFT {r.TtftMs} ms is below the injected {Ttft} ms");
            Assert.Equal(4, r.TokenEvents);
            Assert.Equal(3, r.ItlMs.Length);
        });
        var s = SummaryCalculator.Compute(outcome.Results, outcome.DurationSeconds, outcome.Planned, outcome.Unsent);
        Assert.InRange(s.Ttft.Median, Ttft, Ttft + 12);
        Assert.InRange(s.Itl.Median, Itl - 4, Itl + 4);
    }

    [Fact]
    public async Task Http_500_and_malformed_sse_are_counted_as_errors_and_the_run_goes_on()
    {
        await using var server = await FakeOpenAiServer.StartAsync(10, 5, n => n switch
        {
            1 => FakeBehavior.Http500,
            3 => FakeBehavior.MalformedSse,
            _ => FakeBehavior.Stream,
        });
        var (runner, http) = Runner(server.BaseUrl);
        using var _ = http;
        var plan = Enumerable.Range(0, 5).Select(i => new PlannedRequest(i, 8, 4, null)).ToList();
        var outcome = await runner.RunAsync(runner.Prepare(plan), new RunLimits(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), 1, true), null, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        var s = SummaryCalculator.Compute(outcome.Results, outcome.DurationSeconds, outcome.Planned, outcome.Unsent);
        Assert.Equal(3, s.Completed);
        Assert.Equal(2, s.Failed);
        Assert.Equal(1, s.ErrorsByKind["http_500"]);
        Assert.Equal(1, s.ErrorsByKind["malformed_sse"]);
        Assert.Contains("scripted failure", outcome.Results.Single(r => r.Error == "http_500").ErrorDetail);
    }

    [Fact]
    public async Task Timeouts_and_a_refused_connection_are_errors_not_crashes()
    {
        await using var server = await FakeOpenAiServer.StartAsync(2000, 5);
        using var http = OpenAiStreamClient.CreateHttpClient();
        var slow = new OpenAiStreamClient(http, server.BaseUrl, "m", ApiEndpoint.Completions, null, TimeSpan.FromMilliseconds(150));
        var r = await slow.SendAsync(0, "{\"prompt\":[1],\"max_tokens\":2}", 1, 2, System.Diagnostics.Stopwatch.GetTimestamp(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("timeout", r.Error);

        // A port nothing listens on: bind, note the port, close.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var nowhere = new OpenAiStreamClient(http, $"http://127.0.0.1:{port}/v1", "m", ApiEndpoint.Completions, null, TimeSpan.FromSeconds(5));
        var r2 = await nowhere.SendAsync(0, "{}", 1, 2, System.Diagnostics.Stopwatch.GetTimestamp(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("connection_error", r2.Error);
    }

    [Fact]
    public async Task Stopping_a_run_cancels_what_is_in_flight_and_keeps_what_finished()
    {
        await using var server = await FakeOpenAiServer.StartAsync(30, 10);
        var (runner, http) = Runner(server.BaseUrl);
        using var _ = http;
        // 40 tokens per request ≈ 0.42 s; open loop at 20 req/s for 3 s: stop after 1.5 s. The margin lets the first
        // requests finish even when the suite has just loaded both cores.
        var plan = Enumerable.Range(0, 60).Select(i => new PlannedRequest(i, 8, 40, i * 0.05)).ToList();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        var outcome = await runner.RunAsync(runner.Prepare(plan), new RunLimits(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), null, false), null, stop.Token)
            .WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("stopped by the user", outcome.StopReason);
        Assert.Contains(outcome.Results, r => r.Success);
        Assert.Contains(outcome.Results, r => r.Error == "cancelled");
        Assert.True(outcome.Unsent > 0);
        var s = SummaryCalculator.Compute(outcome.Results, outcome.DurationSeconds, outcome.Planned, outcome.Unsent);
        Assert.Equal(0, s.Failed);
        Assert.Equal(outcome.Results.Count(r => r.Error == "cancelled"), s.Cancelled);
        Assert.Equal(outcome.Planned, s.Completed + s.Cancelled + s.Unsent);
        // Requests of 0.42 s sent every 0.05 s overlap, and never more of them than were sent.
        Assert.InRange(s.PeakConcurrency, 5, outcome.Results.Count);
    }

    [Fact]
    public async Task The_whole_program_writes_json_markdown_and_plots_for_a_sweep()
    {
        await using var server = await FakeOpenAiServer.StartAsync(15, 4);
        string outDir = Path.Combine(Path.GetTempPath(), "sw-loadtest-" + Guid.NewGuid().ToString("N"));
        try
        {
            var o = OptionsParser.Parse(["--base-url", server.BaseUrl, "--prompt-len", "uniform:8:64", "--output-len", "6", "--sweep", "20,40",
                "--requests", "8", "--duration", "10", "--baseline-requests", "3", "--goodput", "ttft:500", "--out", outDir, "--no-live"]);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()), Interactive = InteractionSupport.No });
            using var http = OpenAiStreamClient.CreateHttpClient();
            int rc = await new LoadTestApp(o, console, "test").RunAsync(http, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, rc);
            foreach (var rate in new[] { "rate_20", "rate_40" })
                foreach (var f in new[] { "result.json", "report.md", "ttft_cdf.svg", "itl_cdf.svg", "throughput_over_time.svg", "latency_over_time.svg" })
                    Assert.True(File.Exists(Path.Combine(outDir, rate, f)), $"{rate}/{f} missing");
            Assert.True(File.Exists(Path.Combine(outDir, "sweep.md")));
            System.Xml.Linq.XDocument.Parse(File.ReadAllText(Path.Combine(outDir, "sweep_latency.svg")));
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "rate_20", "result.json")));
            var req = json.RootElement.GetProperty("requests");
            Assert.Equal(8, req.GetProperty("ttfts").GetArrayLength());
            Assert.Equal(5, req.GetProperty("itls")[0].GetArrayLength());
            Assert.Equal(8, json.RootElement.GetProperty("summary").GetProperty("completed").GetInt32());
            Assert.Equal(3, json.RootElement.GetProperty("slowdown_slo").GetArrayLength());
            Assert.Contains("Slowdown SLOs", File.ReadAllText(Path.Combine(outDir, "rate_40", "report.md")));
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        }
    }
}
