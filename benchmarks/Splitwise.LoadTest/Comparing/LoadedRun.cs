namespace Splitwise.LoadTest.Comparing;

/// <summary>
/// One run as read back from its result.json: what it was, its counts and throughputs as the run reported them, and the
/// latency samples of its successful requests (ms), from which the comparison recomputes every percentile.
/// </summary>
public sealed record LoadedRun
{
    public required string Path { get; init; }
    public required string RunLabel { get; init; }
    public required string Model { get; init; }
    public required string Workload { get; init; }
    public required int Seed { get; init; }
    public double? OfferedRate { get; init; }
    public required string CommandLine { get; init; }

    public required int Planned { get; init; }
    public required int Completed { get; init; }
    public required int Failed { get; init; }
    public required int Cancelled { get; init; }
    public required int Unsent { get; init; }
    public required double DurationSeconds { get; init; }
    public required double RequestThroughput { get; init; }
    public required double OutputThroughput { get; init; }
    public required IReadOnlyDictionary<string, int> ErrorsByKind { get; init; }

    public required IReadOnlyList<double> TtftMs { get; init; }
    public required IReadOnlyList<double> TpotMs { get; init; }
    public required IReadOnlyList<double> ItlMs { get; init; }
    public required IReadOnlyList<double> E2eMs { get; init; }
}
