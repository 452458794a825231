using System.Net;
using Splitwise.Silo.Cli;
using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Hosting;

/// <summary>Parses `serve`'s flags; every mistake is a <see cref="CliException"/> naming the flag.</summary>
public static class SiloCommandLine
{
    public const string Usage = """
        usage: Splitwise.Silo serve --role prompt|token|mixed --model PATH --gateway http://HOST:PORT --cluster-secret S
                                    [--listen 127.0.0.1:0] [--kv-listen IP:PORT] [--advertise HOST:PORT] [--id NAME]
                                    [--threads N] [--kv-cache-gb 1] [--kv-cache-dtype auto|f32|f16] [--max-model-len N] [--max-batched-tokens 512]
                                    [--layerwise-min-tokens 512] [--heartbeat-ms 1000] [--drain-seconds 30]
        """;

    public static SiloOptions Parse(CliArgs a)
    {
        var defaults = new SiloOptions { Role = MachineRole.Mixed, Model = "", ClusterSecret = "" };
        var role = a.Required("role") switch
        {
            "prompt" => MachineRole.Prompt,
            "token" => MachineRole.Token,
            "mixed" => MachineRole.Mixed,
            var other => throw new CliException($"--role must be prompt, token or mixed, got '{other}'"),
        };
        var o = new SiloOptions
        {
            Role = role,
            Model = a.Required("model"),
            Gateway = ParseGateway(a.Required("gateway")),
            ClusterSecret = a.Required("cluster-secret"),
            Listen = a.String("listen") ?? defaults.Listen,
            KvListen = a.String("kv-listen"),
            Advertise = a.String("advertise"),
            Id = a.String("id"),
            Threads = a.Has("threads") ? a.Int("threads", 0) : null,
            KvCacheBytes = a.Has("kv-cache-gb") ? (long)(a.Float("kv-cache-gb", 0) * (1L << 30)) : defaults.KvCacheBytes,
            KvDataType = KvCacheDtypeOption.Parse(a),
            MaxModelLength = a.Has("max-model-len") ? a.Int("max-model-len", 0) : null,
            MaxBatchedTokens = a.Int("max-batched-tokens", defaults.MaxBatchedTokens),
            LayerwiseMinTokens = a.Int("layerwise-min-tokens", defaults.LayerwiseMinTokens),
            HeartbeatInterval = TimeSpan.FromMilliseconds(a.Int("heartbeat-ms", (int)defaults.HeartbeatInterval.TotalMilliseconds)),
            DrainTimeout = DrainTimeout(a, defaults.DrainTimeout),
        };
        a.RejectUnknown();
        Validate(o);
        return o;
    }

    private static void Validate(SiloOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.ClusterSecret)) throw new CliException("--cluster-secret must not be empty");
        var listen = ParseIpEndPoint("listen", o.Listen);
        if (o.KvListen is { } kv)
        {
            if (o.Role == MachineRole.Prompt) throw new CliException("--kv-listen is for token and mixed machines; a prompt machine only sends KV");
            ParseIpEndPoint("kv-listen", kv);
        }
        if (o.Advertise is { } adv && !IsHostPort(adv)) throw new CliException($"--advertise must be HOST:PORT with a port from 1 to 65535, got '{adv}'");
        if (IsAnyAddress(listen.Address) && o.Advertise is null)
            throw new CliException($"--listen {o.Listen} binds every interface; give --advertise HOST:PORT so the gateway knows where to call");
        if (o.Threads is < 1) throw new CliException($"--threads must be at least 1, got {o.Threads}");
        if (o.KvCacheBytes <= 0) throw new CliException("--kv-cache-gb must be positive");
        if (o.MaxModelLength is < 2) throw new CliException($"--max-model-len must be at least 2, got {o.MaxModelLength}");
        if (o.MaxBatchedTokens < 1) throw new CliException($"--max-batched-tokens must be at least 1, got {o.MaxBatchedTokens}");
        if (o.LayerwiseMinTokens < 1) throw new CliException($"--layerwise-min-tokens must be at least 1, got {o.LayerwiseMinTokens}");
        if (o.HeartbeatInterval < TimeSpan.FromMilliseconds(10)) throw new CliException($"--heartbeat-ms must be at least 10, got {o.HeartbeatInterval.TotalMilliseconds}");
    }

    private static TimeSpan DrainTimeout(CliArgs a, TimeSpan fallback)
    {
        if (!a.Has("drain-seconds")) return fallback;
        float seconds = a.Float("drain-seconds", 0);
        // Checked before building the TimeSpan: NaN or a huge number would throw there with no flag named.
        return seconds is >= 0 and <= 3600 ? TimeSpan.FromSeconds(seconds) : throw new CliException($"--drain-seconds must be from 0 to 3600, got '{a.String("drain-seconds")}'");
    }

    private static Uri ParseGateway(string text)
        => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)
            ? uri
            : throw new CliException($"--gateway must be an http:// or https:// URL such as http://127.0.0.1:8000, got '{text}'");

    /// <summary>An IP address and port (0 = a free one); names are not accepted where something binds.</summary>
    public static IPEndPoint ParseIpEndPoint(string flag, string text)
        => IPEndPoint.TryParse(text, out var ep) && text.Contains(':')
            ? ep
            : throw new CliException($"--{flag} must be IP:PORT such as 127.0.0.1:7000 (port 0 picks a free one), got '{text}'");

    private static bool IsHostPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text[(colon + 1)..], out int port) && port is > 0 and <= 65535;
    }

    internal static bool IsAnyAddress(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
