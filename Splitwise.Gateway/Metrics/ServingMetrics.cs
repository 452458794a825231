using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Metrics;

/// <summary>
/// What the gateway measured, exposed at /metrics in Prometheus text format with vLLM's metric meanings and a
/// splitwise_ prefix. Latencies are histograms; queue and memory figures are read from the machine when scraped.
/// </summary>
public sealed class ServingMetrics
{
    private readonly ConcurrentDictionary<string, long> _requests = new();
    private readonly ConcurrentDictionary<string, long> _choices = new();
    private long _promptTokens, _generationTokens;

    public Histogram TimeToFirstToken { get; } = new(Histogram.LatencyBuckets);
    public Histogram InterTokenLatency { get; } = new(Histogram.LatencyBuckets);
    public Histogram EndToEndLatency { get; } = new(Histogram.LatencyBuckets);

    /// <summary>Counts a request by outcome: success, abort (client left), or error_400, error_429, ... (refused).</summary>
    public void CountRequest(string outcome) => _requests.AddOrUpdate(outcome, 1, (_, n) => n + 1);
    /// <summary>Counts a finished choice by finish reason (stop, length).</summary>
    public void CountChoice(string finishReason) => _choices.AddOrUpdate(finishReason, 1, (_, n) => n + 1);
    public void AddTokens(int prompt, int generated)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _generationTokens, generated);
    }

    public long RequestCount(string outcome) => _requests.GetValueOrDefault(outcome);
    public long ChoiceCount(string finishReason) => _choices.GetValueOrDefault(finishReason);
    public long PromptTokens => Interlocked.Read(ref _promptTokens);
    public long GenerationTokens => Interlocked.Read(ref _generationTokens);

    public string ToPrometheusText(MachineLoad? load)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        void Header(string name, string type, string help) => sb.Append(inv, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

        Header("splitwise_requests_total", "counter", "Requests by outcome: success, abort (client disconnected) or error_STATUS.");
        foreach (var (outcome, n) in _requests.OrderBy(x => x.Key, StringComparer.Ordinal)) sb.Append(inv, $"splitwise_requests_total{{outcome=\"{outcome}\"}} {n}\n");
        Header("splitwise_finished_choices_total", "counter", "Completed choices by finish reason (stop, length).");
        foreach (var (reason, n) in _choices.OrderBy(x => x.Key, StringComparer.Ordinal)) sb.Append(inv, $"splitwise_finished_choices_total{{finish_reason=\"{reason}\"}} {n}\n");
        Header("splitwise_prompt_tokens_total", "counter", "Prompt tokens of admitted requests.");
        sb.Append(inv, $"splitwise_prompt_tokens_total {PromptTokens}\n");
        Header("splitwise_generation_tokens_total", "counter", "Generated tokens.");
        sb.Append(inv, $"splitwise_generation_tokens_total {GenerationTokens}\n");
        WriteHistogram(sb, "splitwise_time_to_first_token_seconds", "Time from request arrival to the first generated token.", TimeToFirstToken);
        WriteHistogram(sb, "splitwise_inter_token_latency_seconds", "Time between consecutive generated tokens of a request.", InterTokenLatency);
        WriteHistogram(sb, "splitwise_e2e_request_latency_seconds", "Time from arrival to the last token.", EndToEndLatency);
        if (load != null)
        {
            void Gauge(string name, string help, double value)
            {
                Header(name, "gauge", help);
                sb.Append(inv, $"{name} {value}\n");
            }
            Gauge("splitwise_num_requests_running", "Requests admitted to the batch.", load.Running);
            Gauge("splitwise_num_requests_waiting", "Requests waiting for admission.", load.Waiting);
            Gauge("splitwise_kv_cache_blocks_used", "KV cache blocks in use.", load.BlocksUsed);
            Gauge("splitwise_kv_cache_blocks_total", "KV cache blocks in all.", load.BlocksTotal);
            Gauge("splitwise_batch_size", "Sequences in the last engine step.", load.LastBatchSize);
            Gauge("splitwise_prefix_cache_hit_rate", "Prompt tokens served from cached prefix blocks, as a fraction of prompt tokens looked up.", load.PrefixHitRate);
            Gauge("splitwise_engine_steps", "Engine steps run since start.", load.Steps);
        }
        return sb.ToString();
    }

    private static void WriteHistogram(StringBuilder sb, string name, string help, Histogram h)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
        var cumulative = h.Cumulative();
        for (int i = 0; i < h.UpperBounds.Count; i++) sb.Append(inv, $"{name}_bucket{{le=\"{h.UpperBounds[i]}\"}} {cumulative[i]}\n");
        sb.Append(inv, $"{name}_bucket{{le=\"+Inf\"}} {cumulative[^1]}\n");
        sb.Append(inv, $"{name}_sum {h.Sum}\n{name}_count {cumulative[^1]}\n");
    }
}
