namespace Splitwise.Silo.Membership;

/// <summary>How silos stay in a gateway's directory. Gateway and silos read the same defaults.</summary>
public sealed record MembershipOptions
{
    /// <summary>How often a silo reports its load. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Heartbeats a machine may miss before the gateway drops it from the directory. Default 3.</summary>
    public int MissedHeartbeats { get; init; } = 3;

    /// <summary>First pause before retrying a registration the gateway did not take; doubles up to <see cref="RegistrationRetryMax"/>. Default 200 ms.</summary>
    public TimeSpan RegistrationRetryMin { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between registration attempts. Default 5 s.</summary>
    public TimeSpan RegistrationRetryMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one registration or heartbeat call may take. Default 5 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Silence after which the gateway counts a machine as gone: the interval times the misses allowed.</summary>
    public TimeSpan MaxSilence => HeartbeatInterval * MissedHeartbeats;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that makes no sense.</summary>
    public void Validate()
    {
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(10)) throw new ArgumentException($"The heartbeat interval must be at least 10 ms (got {HeartbeatInterval.TotalMilliseconds} ms).");
        if (MissedHeartbeats < 1) throw new ArgumentException($"MissedHeartbeats must be at least 1 (got {MissedHeartbeats}).");
        if (RegistrationRetryMin <= TimeSpan.Zero || RegistrationRetryMax < RegistrationRetryMin)
            throw new ArgumentException($"Registration retry pauses must satisfy 0 < min ({RegistrationRetryMin}) <= max ({RegistrationRetryMax}).");
        if (CallTimeout <= TimeSpan.Zero) throw new ArgumentException($"CallTimeout must be positive (got {CallTimeout}).");
    }
}
