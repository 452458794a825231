namespace Splitwise.LoadTest.Metrics;

/// <summary>The figures of one run, named as vllm bench serve names them. Latencies in ms, throughputs per second.</summary>
public sealed record RunSummary
{
    public required int Planned { get; init; }
    public required int Completed { get; init; }
    /// <summary>Requests that ended in an error other than 'cancelled'.</summary>
    public required int Failed { get; init; }

    /// <summary>Requests cancelled because the user stopped the run or the drain time ran out: not the target's fault.</summary>
    public int Cancelled { get; init; }
    public required int Unsent { get; init; }
    public required IReadOnlyDictionary<string, int> ErrorsByKind { get; init; }
    public required double DurationSeconds { get; init; }
    public required long TotalInputTokens { get; init; }
    public required long TotalOutputTokens { get; init; }
    public required double RequestThroughput { get; init; }
    public required double OutputThroughput { get; init; }
    public required double TotalTokenThroughput { get; init; }
    public required int PeakConcurrency { get; init; }
    public required LatencyStats Ttft { get; init; }
    public required LatencyStats Tpot { get; init; }
    public required LatencyStats Itl { get; init; }
    public required LatencyStats E2e { get; init; }

    /// <summary>Requests/s that met every goodput limit; null when no limit was given.</summary>
    public double? Goodput { get; init; }
    public int GoodRequests { get; init; }

    /// <summary>Completed requests whose server-reported lengths differ from the planned ones (null: server sent no usage).</summary>
    public int? PromptLengthMismatches { get; init; }
    public int? OutputLengthMismatches { get; init; }
}
