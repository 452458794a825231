using Splitwise.Silo.Cli;

namespace Splitwise.Gateway.Hosting;

/// <summary>Parses the gateway's flags with the silo's <see cref="CliArgs"/>; a bad flag is a message for the user, not a stack trace.</summary>
public static class GatewayCommandLine
{
    public const string Usage = """
        usage: Splitwise.Gateway [--model PATH|synthetic:NAME] [--host 127.0.0.1] [--port 8000] [--chat-template FILE]
                                 [--tokenizer PATH] [--served-model-name NAME] [--api-key KEY] [--max-waiting 256]
                                 [--kv-cache-gb 2] [--kv-cache-dtype auto|f32|f16] [--max-batched-tokens 512] [--max-model-len N] [--threads N]
                                 [--embedded prompt=1,token=1] [--routing jsq|round-robin|random] [--prompt-queue-threshold 8192]
                                 [--layerwise-min-tokens 512] [--kv-lease-seconds 30] [--cluster-secret S] [--cluster [--heartbeat-ms 1000]]
        """;

    /// <summary>Standard host settings (WebApplicationFactory passes them) that go to ASP.NET Core untouched.</summary>
    private static readonly string[] HostSettings = ["--environment=", "--contentRoot=", "--applicationName="];

    /// <summary>Throws <see cref="CliException"/> naming the flag that is wrong.</summary>
    public static GatewayOptions Parse(string[] args)
    {
        bool IsHostSetting(string a) => HostSettings.Any(h => a.StartsWith(h, StringComparison.OrdinalIgnoreCase));
        var a = new CliArgs(args.Where(x => !IsHostSetting(x)));
        var defaults = new GatewayOptions();
        string? model = a.String("model");
        int? maxModelLength = a.Has("max-model-len") ? a.Int("max-model-len", 0) : null;
        int? threads = a.Has("threads") ? a.Int("threads", 0) : null;
        var o = defaults with
        {
            Model = model ?? defaults.Model,
            ModelGiven = model != null,
            Host = a.String("host") ?? defaults.Host,
            Port = a.Int("port", defaults.Port),
            ChatTemplateFile = a.String("chat-template"),
            Tokenizer = a.String("tokenizer"),
            ServedModelName = a.String("served-model-name"),
            ApiKey = a.String("api-key"),
            MaxWaitingRequests = a.Int("max-waiting", defaults.MaxWaitingRequests),
            KvCacheBytes = a.Has("kv-cache-gb") ? (long)(a.Float("kv-cache-gb", 0) * (1L << 30)) : defaults.KvCacheBytes,
            KvDataType = KvCacheDtypeOption.Parse(a),
            MaxBatchedTokens = a.Int("max-batched-tokens", defaults.MaxBatchedTokens),
            MaxModelLength = maxModelLength,
            Threads = threads,
            Embedded = a.String("embedded") is { } spec ? ParseSpec(spec) : null,
            Routing = a.String("routing") ?? defaults.Routing,
            PromptQueueThreshold = a.Int("prompt-queue-threshold", defaults.PromptQueueThreshold),
            LayerwiseMinTokens = a.Int("layerwise-min-tokens", defaults.LayerwiseMinTokens),
            KvLease = a.Has("kv-lease-seconds") ? TimeSpan.FromSeconds(a.Float("kv-lease-seconds", 0)) : defaults.KvLease,
            ClusterSecret = a.String("cluster-secret"),
            Cluster = a.Flag("cluster"),
            HeartbeatInterval = TimeSpan.FromMilliseconds(a.Int("heartbeat-ms", (int)defaults.HeartbeatInterval.TotalMilliseconds)),
            HostArguments = args.Where(IsHostSetting).ToArray(),
        };
        a.RejectUnknown();
        if (o.ChatTemplateFile is { } f && !File.Exists(f)) throw new CliException($"--chat-template: no such file {f}");
        if (o.KvLease <= TimeSpan.Zero) throw new CliException($"--kv-lease-seconds must be positive, got {o.KvLease.TotalSeconds}");
        if (!Routing.RoutingPolicies.Names.Contains(o.Routing)) throw new CliException($"--routing: '{o.Routing}' is not one of {string.Join(", ", Routing.RoutingPolicies.Names)}");
        if (o.Cluster && o.Embedded is not null) throw new CliException("--cluster and --embedded exclude each other: machines run either in silos or in-process");
        if (o.Cluster && string.IsNullOrEmpty(o.ClusterSecret)) throw new CliException("--cluster needs --cluster-secret S: silos prove it on every call");
        if (o.HeartbeatInterval < TimeSpan.FromMilliseconds(10)) throw new CliException($"--heartbeat-ms must be at least 10, got {o.HeartbeatInterval.TotalMilliseconds}");
        return o;
    }

    private static Cluster.EmbeddedSpec ParseSpec(string spec)
    {
        try
        {
            return Cluster.EmbeddedSpec.Parse(spec);
        }
        catch (FormatException e)
        {
            throw new CliException($"--embedded: {e.Message}");
        }
    }
}
