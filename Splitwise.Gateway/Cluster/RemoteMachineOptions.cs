namespace Splitwise.Gateway.Cluster;

/// <summary>How the gateway calls silos' control APIs.</summary>
public sealed record RemoteMachineOptions
{
    /// <summary>Opening a connection to a silo; a dead one is refused at once on most networks. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A call that answers once (reserve, prefill, release, load), queueing on the machine included. Default 60 s.
    /// A silo that hangs is noticed sooner: it stops heartbeating, leaves the directory, and its calls are cut.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for the next event of a streamed generate or decode. Default 60 s.</summary>
    public TimeSpan EventTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
