namespace Splitwise.Gateway.Cluster;

/// <summary>How hard the gateway tries to finish a request whose machines fail.</summary>
public sealed record ClusterRunnerOptions
{
    /// <summary>Attempts per sequence (the first included) before the client gets an error. Default 6.</summary>
    public int MaxAttempts { get; init; } = 6;
    /// <summary>Pause before retry n is n times this, when no machine could take the request. Default 100 ms.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}
