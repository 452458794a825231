namespace Splitwise.LoadTest.Workloads;

/// <summary>How a trace is replayed.</summary>
public enum TraceReplayMode
{
    /// <summary>Rows in order at their original timestamps, divided by the time scale (speed-up).</summary>
    Original,

    /// <summary>Splitwise-style: (prompt, output) pairs sampled with replacement, arrivals drawn at a chosen rate.</summary>
    Poisson,

    /// <summary>Only the rows inside a time window of the trace, at their original timestamps (time-scaled).</summary>
    Window,
}
