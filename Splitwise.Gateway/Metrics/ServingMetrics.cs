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
    /// <summary>Split requests, hop by hop: prompt-machine queue, prefill, non-overlapped KV transfer, first decode.</summary>
    public Histogram HopQueue { get; } = new(Histogram.LatencyBuckets);
    public Histogram HopPrefill { get; } = new(Histogram.LatencyBuckets);
    public Histogram HopTransfer { get; } = new(Histogram.LatencyBuckets);
    public Histogram HopFirstDecode { get; } = new(Histogram.LatencyBuckets);
    private readonly ConcurrentDictionary<string, long> _retries = new();
    private long _splitRequests, _transferBytes;

    public void RecordHops(Streaming.RequestTimeline t)
    {
        HopQueue.Observe(t.Queued.TotalSeconds);
        HopPrefill.Observe(t.Prefill.TotalSeconds);
        HopTransfer.Observe(t.TransferNonOverlapped.TotalSeconds);
        HopFirstDecode.Observe(t.FirstDecode.TotalSeconds);
        Interlocked.Increment(ref _splitRequests);
        Interlocked.Add(ref _transferBytes, t.TransferBytes);
    }

    /// <summary>Counts an attempt that failed and was resumed elsewhere, by reason (machine_failure, kv_transfer, stream_gap).</summary>
    public void CountRetry(string reason) => _retries.AddOrUpdate(reason, 1, (_, n) => n + 1);
    public long RetryCount(string reason) => _retries.GetValueOrDefault(reason);
    public long SplitRequests => Interlocked.Read(ref _splitRequests);

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

    /// <param name="load">All machines added up.</param>
    /// <param name="machines">Each machine with its home role and the pool it serves in now.</param>
    public string ToPrometheusText(MachineLoad? load, IReadOnlyList<MachineMetrics>? machines = null)
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
        WriteHistogram(sb, "splitwise_hop_queue_seconds", "Split requests: time waiting on the prompt machine.", HopQueue);
        WriteHistogram(sb, "splitwise_hop_prefill_seconds", "Split requests: prefill compute on the prompt machine.", HopPrefill);
        WriteHistogram(sb, "splitwise_hop_transfer_nonoverlapped_seconds", "Split requests: KV transfer time not hidden behind prefill.", HopTransfer);
        WriteHistogram(sb, "splitwise_hop_first_decode_seconds", "Split requests: prefill result to the token machine's first decoded token.", HopFirstDecode);
        Header("splitwise_request_retries_total", "counter", "Attempts that failed and resumed on another machine, by reason.");
        foreach (var (reason, n) in _retries.OrderBy(x => x.Key, StringComparer.Ordinal)) sb.Append(inv, $"splitwise_request_retries_total{{reason=\"{reason}\"}} {n}\n");
        if (machines is { Count: > 0 })
        {
            void PerMachine(string name, string type, string help, Func<MachineLoad, double> value)
            {
                Header(name, type, help);
                foreach (var m in machines)
                    sb.Append(inv, $"{name}{{machine=\"{m.Id}\",role=\"{m.Role}\",pool=\"{m.Pool}\"}} {value(m.Load)}\n");
                Header(name.Replace("splitwise_", "splitwise_pool_", StringComparison.Ordinal), type, help + " Summed over the machines of each pool.");
                foreach (var pool in machines.GroupBy(m => m.Pool).OrderBy(g => g.Key, StringComparer.Ordinal))
                    sb.Append(inv, $"{name.Replace("splitwise_", "splitwise_pool_", StringComparison.Ordinal)}{{pool=\"{pool.Key}\"}} {pool.Sum(m => value(m.Load))}\n");
            }
            PerMachine("splitwise_machine_pending_prompt_tokens", "gauge", "Prompt tokens waiting for prefill.", l => l.PendingPromptTokens);
            PerMachine("splitwise_machine_requests_running", "gauge", "Requests in the machine's batch.", l => l.Running);
            PerMachine("splitwise_machine_kv_blocks_used", "gauge", "KV blocks in use.", l => l.BlocksUsed);
            PerMachine("splitwise_handoff_queue_depth", "gauge", "Requests with KV reserved here and not all arrived.", l => l.AwaitingKv);
            PerMachine("splitwise_kv_transfers_total", "counter", "KV transfers completed.", l => l.Transfer.Transfers);
            PerMachine("splitwise_kv_transfer_failures_total", "counter", "KV transfers that failed.", l => l.Transfer.TransfersFailed);
            PerMachine("splitwise_kv_transfer_sent_bytes_total", "counter", "KV bytes sent.", l => l.Transfer.BytesSent);
            PerMachine("splitwise_kv_transfer_received_bytes_total", "counter", "KV bytes received.", l => l.Transfer.BytesReceived);
            PerMachine("splitwise_kv_frames_rejected_total", "counter", "KV frames refused (unknown request, expired lease, bad shape or checksum).", l => l.Transfer.FramesRejected);
            PerMachine("splitwise_kv_transfer_seconds_total", "counter", "Time spent transferring KV, first frame to acknowledgement.", l => l.Transfer.TransferTime.TotalSeconds);
            PerMachine("splitwise_kv_transfer_nonoverlapped_seconds_total", "counter", "KV transfer time after prefill ended (not hidden).", l => l.Transfer.NonOverlappedTime.TotalSeconds);
            PerMachine("splitwise_kv_receive_buffer_bytes", "gauge", "KV bytes received and not yet consumed.", l => l.Transfer.ReceiveBufferBytes);
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
