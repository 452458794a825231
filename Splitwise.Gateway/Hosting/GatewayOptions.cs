using Splitwise.Engine.Cache;

namespace Splitwise.Gateway.Hosting;

/// <summary>Command-line settings of the gateway.</summary>
public sealed record GatewayOptions
{
    /// <summary>Model path or synthetic:NAME. Default: a small synthetic model, announced loudly.</summary>
    public string Model { get; init; } = DefaultModel;
    public const string DefaultModel = "synthetic:llama-tiny-f32";
    public bool ModelGiven { get; init; }
    /// <summary>Name clients send as "model"; default: the model folder or file name.</summary>
    public string? ServedModelName { get; init; }
    /// <summary>Tokenizer path when it is not beside the model.</summary>
    public string? Tokenizer { get; init; }
    /// <summary>A Jinja chat template file that overrides (or supplies) the model's.</summary>
    public string? ChatTemplateFile { get; init; }
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Default 8000; 0 picks a free port.</summary>
    public int Port { get; init; } = 8000;
    /// <summary>When set, requests need "Authorization: Bearer KEY".</summary>
    public string? ApiKey { get; init; }
    /// <summary>Requests allowed to wait for admission before new ones get 429. Default 256.</summary>
    public int MaxWaitingRequests { get; init; } = 256;
    /// <summary>Largest request body. Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 << 20;
    /// <summary>KV cache memory. Default 2 GiB.</summary>
    public long KvCacheBytes { get; init; } = 2L << 30;
    /// <summary>KV element type; null (default) = auto, by the model's weights (see EngineOptions.KvDataType).</summary>
    public KvDataType? KvDataType { get; init; }
    /// <summary>Tokens per engine step (chunked prefill budget). Default 512.</summary>
    public int MaxBatchedTokens { get; init; } = 512;
    public int? MaxModelLength { get; init; }
    /// <summary>Kernel threads of each embedded machine; default the cores split evenly between them.</summary>
    public int? Threads { get; init; }
    /// <summary>Machines run in-process, e.g. prompt=1,token=1 for the split on one host. Default (null): one mixed machine.</summary>
    public Cluster.EmbeddedSpec? Embedded { get; init; }
    /// <summary>Cluster routing policy: jsq (default), round-robin or random.</summary>
    public string Routing { get; init; } = "jsq";
    /// <summary>Pending prompt tokens on the chosen prompt machine above which a request runs in the mixed pool. Default 8192.</summary>
    public int PromptQueueThreshold { get; init; } = 8192;
    /// <summary>Prompts at least this long stream their KV layer by layer during prefill. Default 512.</summary>
    public int LayerwiseMinTokens { get; init; } = 512;
    /// <summary>
    /// How long a token machine holds a split request's reserved KV blocks with no frame arriving. Default 30 s.
    /// A request whose prefill waits longer than this in the prompt machine's queue loses its reservation and is recomputed.
    /// </summary>
    public TimeSpan KvLease { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>No machines in-process: silos started with `Splitwise.Silo serve` register and are routed to. Default false.</summary>
    public bool Cluster { get; init; }
    /// <summary>Heartbeat interval of silos in --cluster mode; a machine silent for 3 of them leaves the directory. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Secret that silos and KV peers must prove. Default none (loopback development only); --cluster requires one.</summary>
    public string? ClusterSecret { get; init; }
    /// <summary>Standard host settings (--environment=, --contentRoot=, --applicationName=) passed on to ASP.NET Core.</summary>
    public IReadOnlyList<string> HostArguments { get; init; } = [];
}
