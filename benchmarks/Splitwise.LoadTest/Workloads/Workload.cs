namespace Splitwise.LoadTest.Workloads;

/// <summary>The requests of one run, and a one-line description of where they came from.</summary>
public sealed record Workload(IReadOnlyList<PlannedRequest> Requests, string Description, int LengthsAdjusted);
