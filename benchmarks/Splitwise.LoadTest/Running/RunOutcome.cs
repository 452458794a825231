namespace Splitwise.LoadTest.Running;

using Splitwise.LoadTest.Client;

/// <summary>The results of one run, in completion order, and why it stopped.</summary>
/// <param name="DurationSeconds">From the run's start to the end of the last request.</param>
/// <param name="Unsent">Planned requests never sent (duration reached or stopped).</param>
/// <param name="StopReason">Null when every planned request was sent; else why the run stopped early.</param>
public sealed record RunOutcome(IReadOnlyList<RequestResult> Results, double DurationSeconds, int Planned, int Unsent, string? StopReason);
