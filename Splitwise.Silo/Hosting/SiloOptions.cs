using Splitwise.Engine.Cache;
using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Hosting;

/// <summary>Settings of a `serve` process: one machine of one role, its addresses, and the gateway it joins.</summary>
public sealed record SiloOptions
{
    public required MachineRole Role { get; init; }
    /// <summary>Model path or synthetic:NAME; must be the model the gateway serves.</summary>
    public required string Model { get; init; }
    /// <summary>Where the control API listens, IP:PORT. Default 127.0.0.1:0 (a free port).</summary>
    public string Listen { get; init; } = "127.0.0.1:0";
    /// <summary>The gateway to register with; null runs a silo nobody routes to (tests). The command line requires it.</summary>
    public Uri? Gateway { get; init; }
    /// <summary>Secret every control call, KV connection and registration must carry.</summary>
    public required string ClusterSecret { get; init; }
    /// <summary>Where token and mixed machines accept KV connections, IP:PORT. Default: the --listen address on a free port.</summary>
    public string? KvListen { get; init; }
    /// <summary>HOST:PORT at which others reach the control API when --listen is not that (0.0.0.0, containers). Default: the bound --listen address.</summary>
    public string? Advertise { get; init; }
    /// <summary>The machine's id in the directory. Default ROLE-HOSTNAME-PID.</summary>
    public string? Id { get; init; }
    /// <summary>Kernel threads. Default: every core.</summary>
    public int? Threads { get; init; }
    /// <summary>KV cache memory. Default 1 GiB.</summary>
    public long KvCacheBytes { get; init; } = 1L << 30;
    /// <summary>KV element type; null (default) = auto, by the model's weights (see EngineOptions.KvDataType).</summary>
    public KvDataType? KvDataType { get; init; }
    /// <summary>Longest prompt + output; default the model's context.</summary>
    public int? MaxModelLength { get; init; }
    /// <summary>Tokens per engine step before the role's own cap. Default 512.</summary>
    public int MaxBatchedTokens { get; init; } = 512;
    /// <summary>Prompts at least this long stream their KV layer by layer. Default 512.</summary>
    public int LayerwiseMinTokens { get; init; } = 512;
    /// <summary>How often the silo heartbeats. Default 1 s (the gateway's may make it shorter).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On a graceful shutdown (SIGTERM, Ctrl+C) the silo deregisters from the gateway, refuses new work, and waits up to
    /// this long for requests on it to finish (streams, prefills, KV reservations) before it exits. Default 30 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string MachineId => Id ?? $"{Role.ToString().ToLowerInvariant()}-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";
}
