namespace Splitwise.Gateway.Routing;

/// <summary>When the cluster scheduler gives up on a split, and what it tells a client it turns away.</summary>
public sealed record ClusterSchedulerOptions
{
    /// <summary>
    /// Prompt tokens waiting on the chosen prompt machine above which a new request runs wholly in the mixed pool
    /// instead of joining that queue. Default 8192.
    /// </summary>
    public int PromptQueueThreshold { get; init; } = 8192;

    /// <summary>How long a client turned away (saturated, or no machines) is told to wait. Default 1 s.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (PromptQueueThreshold < 0) throw new ArgumentException($"ClusterSchedulerOptions.PromptQueueThreshold must not be negative, got {PromptQueueThreshold}.");
        if (RetryAfter <= TimeSpan.Zero) throw new ArgumentException($"ClusterSchedulerOptions.RetryAfter must be positive, got {RetryAfter}.");
    }
}
