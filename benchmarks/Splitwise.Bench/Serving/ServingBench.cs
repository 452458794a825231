using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Splitwise.Gateway.Hosting;

namespace Splitwise.Bench.Serving;

/// <summary>
/// Output throughput of the real gateway (in-process, 127.0.0.1, a free port) under closed-loop load at several
/// concurrencies, measured back to back in one run so the ratios compare like with like. Every request streams
/// a fixed number of output tokens (max_tokens = min_tokens, ignore_eos).
/// </summary>
public static class ServingBench
{
    public sealed record Level(int Concurrency, int Requests, double Seconds, long OutputTokens, double OutputTokensPerSecond, double RatioToFirst,
                               double MedianTtftMs, double MedianItlMs);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        string model = Option("--model") ?? "synthetic:llama-1b-q8_0";
        int[] levels = (Option("--concurrency") ?? "1,4,16").Split(',').Select(int.Parse).ToArray();
        int promptLength = int.Parse(Option("--prompt-len") ?? "64", CultureInfo.InvariantCulture);
        int outputLength = int.Parse(Option("--output-len") ?? "64", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Option("--rounds") ?? "2", CultureInfo.InvariantCulture);
        string outDir = Option("--out") ?? "out/bench";

        var options = new GatewayOptions { Model = model, ModelGiven = true, Host = "127.0.0.1", Port = 0, MaxBatchedTokens = 512 };
        var app = GatewayApp.Build(options, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        try
        {
            var host = app.Services.GetRequiredService<ModelHost>();
            await host.WaitUntilLoadedAsync();
            if (!host.IsReady) throw new InvalidOperationException($"model failed to load: {host.LoadError}");
            var address = app.BoundAddress();
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
            Console.WriteLine($"serving {model} at {address}; prompts {promptLength} tokens, outputs {outputLength} tokens, {rounds} requests per client per level");

            await OneRequestAsync(http, host.ServedModelName, promptLength, 4, 0); // warm-up: JIT, page faults
            var results = new List<Level>();
            var statistics = host.Embedded!.Machines[0].Loop.Engine.Statistics; // plain embedded: one mixed machine
            var profiles = new StringBuilder();
            foreach (int c in levels)
            {
                var before = statistics.Snapshot();
                var clock = Stopwatch.StartNew();
                var timings = await Task.WhenAll(Enumerable.Range(0, c).Select(async client =>
                {
                    var mine = new List<(double Ttft, double[] Itl)>();
                    for (int r = 0; r < rounds; r++) mine.Add(await OneRequestAsync(http, host.ServedModelName, promptLength, outputLength, client * 1000 + r));
                    return mine;
                }));
                double seconds = clock.Elapsed.TotalSeconds;
                var profile = (statistics.Snapshot() - before).Describe(seconds);
                profiles.AppendLine(CultureInfo.InvariantCulture, $"concurrency {c}:").Append(profile);
                long tokens = (long)c * rounds * outputLength;
                var all = timings.SelectMany(t => t).ToList();
                double tps = tokens / seconds;
                var level = new Level(c, c * rounds, seconds, tokens, tps, results.Count == 0 ? 1 : tps / results[0].OutputTokensPerSecond,
                    Median(all.Select(t => t.Ttft)) * 1000, Median(all.SelectMany(t => t.Itl)) * 1000);
                if (all.Any(t => t.Itl.Length < outputLength - 1))
                    throw new InvalidOperationException("a stream delivered fewer chunks than tokens; inter-token latency cannot be measured");
                results.Add(level);
                Console.WriteLine($"  concurrency {c,3}: {tps,8:F1} output tok/s ({level.RatioToFirst:F2}x of concurrency {levels[0]}), median TTFT {level.MedianTtftMs:F0} ms, median ITL {level.MedianItlMs:F1} ms, {seconds:F1} s");
            }
            Directory.CreateDirectory(outDir);
            var md = new StringBuilder();
            md.AppendLine(CultureInfo.InvariantCulture, $"Serving throughput, {model}, gateway in-process on loopback, prompts {promptLength} / outputs {outputLength} tokens, closed loop.");
            md.AppendLine();
            md.AppendLine("| concurrency | requests | output tok/s | × concurrency 1 | median TTFT ms | median ITL ms |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var l in results)
                md.AppendLine(CultureInfo.InvariantCulture, $"| {l.Concurrency} | {l.Requests} | {l.OutputTokensPerSecond:F1} | {l.RatioToFirst:F2} | {l.MedianTtftMs:F0} | {l.MedianItlMs:F1} |");
            Console.WriteLine();
            Console.WriteLine("Engine steps per level (where the time went):");
            Console.WriteLine(profiles);
            Console.WriteLine(md);
            File.WriteAllText(Path.Combine(outDir, "serving-bench.md"), md.ToString());
            File.WriteAllText(Path.Combine(outDir, "serving-bench.json"), JsonSerializer.Serialize(new { model, promptLength, outputLength, levels = results }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<(double Ttft, double[] Itl)> OneRequestAsync(HttpClient http, string model, int promptLength, int outputLength, int seed)
    {
        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptLength).Select(_ => random.Next(10, 500)).ToArray();
        var body = new { model, prompt, max_tokens = outputLength, min_tokens = outputLength, ignore_eos = true, temperature = 0, stream = true };
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var arrivals = new List<double>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            arrivals.Add(clock.Elapsed.TotalSeconds);
        }
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).ToArray();
        return (arrivals.Count > 0 ? arrivals[0] : double.NaN, gaps);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
