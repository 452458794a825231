namespace Splitwise.LoadTest.Metrics;

/// <summary>The definitions printed once per invocation and written into the report.</summary>
public static class MetricDefinitions
{
    public static readonly (string Name, string Definition)[] All =
    [
        ("TTFT", "time to first token: from sending the request to the first streamed chunk that carries output"),
        ("TPOT", "time per output token, per request: (E2E − TTFT) / (n − 1), n = output tokens (server usage, else chunks); requests with n = 1 have none"),
        ("ITL", "inter-token latency: every gap between consecutive output-carrying chunks, pooled over all requests"),
        ("E2E", "end-to-end latency: from sending the request to the end of its stream ([DONE])"),
        ("Request throughput", "successful requests / duration; duration = run start to the end of the last request"),
        ("Output token throughput", "output tokens of successful requests / duration"),
        ("Total token throughput", "(prompt + output tokens of successful requests) / duration"),
        ("Peak concurrency", "most requests in flight at once (sent, stream not yet ended), failures included"),
        ("Goodput", "requests/s that met every --goodput limit (TTFT, TPOT, E2E in ms)"),
        ("Slowdown", "a request's latency / the unloaded baseline's prediction for the same lengths; checked at P50/P90/P99 (Splitwise SLOs)"),
        ("Statistics", "mean, median, P90, P99 (linear interpolation between ranks) and max, over successful requests"),
    ];
}
