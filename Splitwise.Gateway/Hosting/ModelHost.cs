using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Engine.Scheduling;
using Splitwise.Engine.Tokenization;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.Routing;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Gateway.Hosting;

/// <summary>
/// The served model and the machines that run it. Loads the model in the background (so /health answers at once and
/// /ready says when it is done), then starts the embedded machines (one mixed machine, or the split given by
/// --embedded) and keeps the cluster scheduler's view of their load fresh.
/// </summary>
public sealed class ModelHost : IHostedService, IDisposable
{
    private readonly GatewayOptions _options;
    private readonly ILogger<ModelHost> _log;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loading, _refreshing;
    private LlamaWeights? _weights;
    private int _disposed;

    public ModelHost(GatewayOptions options, ServingMetrics metrics, ILoggerFactory logs)
    {
        _options = options;
        _log = logs.CreateLogger<ModelHost>();
        ServedModelName = options.ServedModelName ?? DefaultName(options.Model);
        Directory = new MachineDirectory();
        Scheduler = new ClusterScheduler(RoutingPolicies.FromName(options.Routing), new ClusterSchedulerOptions { PromptQueueThreshold = options.PromptQueueThreshold });
        Runner = new ClusterRunner(Directory, Scheduler, metrics, logs.CreateLogger<ClusterRunner>());
        if (options.Cluster && !string.IsNullOrEmpty(options.ClusterSecret))
            Membership = new ClusterMembership(Directory, options.ClusterSecret, new MembershipOptions { HeartbeatInterval = options.HeartbeatInterval },
                                               logs.CreateLogger<ClusterMembership>());
    }

    public string ServedModelName { get; }
    public bool IsSynthetic => _options.Model.StartsWith("synthetic:", StringComparison.Ordinal);
    public bool IsReady { get; private set; }
    public string? LoadError { get; private set; }
    public Tokenizer? Tokenizer { get; private set; }
    public ChatTemplate? ChatTemplate { get; private set; }
    public int MaxModelLength { get; private set; }
    public IReadOnlyList<int> EosTokenIds { get; private set; } = [];
    public long CreatedUnixSeconds { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    public MachineDirectory Directory { get; }
    public ClusterScheduler Scheduler { get; }
    public ClusterRunner Runner { get; }
    /// <summary>Remote silos joining and leaving (--cluster mode); null otherwise.</summary>
    public ClusterMembership? Membership { get; }
    /// <summary>
    /// Whether a request can be served now: the model is loaded and at least one machine is in the directory (every
    /// machine can run a request wholly, so one is enough; a prompt and a token machine make a split).
    /// </summary>
    public bool CanServe => IsReady && Directory.Count > 0;
    /// <summary>Machines running inside this process; null until loaded.</summary>
    public EmbeddedCluster? Embedded { get; private set; }

    /// <summary>Every embedded machine's load now, added up (tests and /metrics).</summary>
    public MachineLoad Load
    {
        get
        {
            var loads = Embedded?.Machines.Select(m => m.Loop.Load).ToList() ?? [];
            return loads.Count == 0 ? Directory.TotalLoad() : new MachineLoad(loads.Sum(l => l.Running), loads.Sum(l => l.Waiting), loads.Sum(l => l.BlocksUsed),
                loads.Sum(l => l.BlocksTotal), loads.Sum(l => l.LastBatchSize), loads.Sum(l => l.LastBatchTokens), loads.Average(l => l.PrefixHitRate), loads.Sum(l => l.Steps))
            { PendingPromptTokens = loads.Sum(l => l.PendingPromptTokens), AwaitingKv = loads.Sum(l => l.AwaitingKv) };
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.ModelGiven)
            _log.LogWarning("NO --model GIVEN: serving the synthetic model {Model} (random weights, meaningless text). Pass --model PATH for a real model.", _options.Model);
        _loading = Task.Run(LoadModel, CancellationToken.None);
        _refreshing = Task.Run(() => RefreshLoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes when loading has finished, successfully or not.</summary>
    public Task WaitUntilLoadedAsync() => _loading ?? Task.CompletedTask;

    private void LoadModel()
    {
        if (_options.Cluster)
        {
            LoadForCluster();
            return;
        }
        try
        {
            _weights = ModelLoader.Load(_options.Model);
            Tokenizer = LoadTokenizer();
            ChatTemplate = _options.ChatTemplateFile is { } file
                ? ChatTemplate.Parse(File.ReadAllText(file), file)
                : Tokenizer?.ChatTemplate;
            var config = _weights.Config;
            var engineOptions = new EngineOptions
            {
                KvCacheBytes = _options.KvCacheBytes,
                KvDataType = _options.KvDataType,
                MaxModelLength = _options.MaxModelLength,
                Scheduler = new SchedulerOptions { MaxBatchedTokens = _options.MaxBatchedTokens },
            };
            var spec = _options.Embedded ?? EmbeddedSpec.OneMixed;
            Embedded = new EmbeddedCluster(_weights, spec, engineOptions, TransferOptions, _options.Threads);
            foreach (var machine in Embedded.Machines) Directory.Add(machine, embedded: true, machine.Loop.Load);
            Scheduler.Refresh(Directory.Snapshot());
            var first = Embedded.Machines[0].Loop.Engine;
            MaxModelLength = first.MaxModelLength;
            EosTokenIds = first.EosTokenIds;
            IsReady = true;
            _log.LogInformation("Model {Name} ready on {Machines} ({Policy} routing): {Layers} layers, hidden {Hidden}, vocab {Vocab}, context {Context}, {Blocks} KV blocks of {KvType} per machine, kernels {Kernels}, tokenizer: {Tokenizer}, chat template: {Template}",
                ServedModelName, spec, _options.Routing, config.LayerCount, config.HiddenSize, config.VocabSize, MaxModelLength, first.BlocksTotal, first.Cache.DataType, Splitwise.Kernels.CpuFeatures.Describe(),
                Tokenizer is null ? "none (token-id prompts only)" : "yes", ChatTemplate is null ? "none (chat requests get 400)" : "yes");
        }
        catch (Exception e)
        {
            LoadError = e.Message;
            _log.LogError(e, "Loading {Model} failed", _options.Model);
        }
    }

    /// <summary>--cluster: the machines are silos that register; only the tokenizer and the model's config are needed here.</summary>
    private void LoadForCluster()
    {
        try
        {
            if (Membership is null) throw new ArgumentException("--cluster needs a cluster secret (--cluster-secret S): silos must prove it on every call.");
            var config = ModelConfigReader.Read(_options.Model);
            Tokenizer = LoadTokenizer();
            ChatTemplate = _options.ChatTemplateFile is { } file ? ChatTemplate.Parse(File.ReadAllText(file), file) : Tokenizer?.ChatTemplate;
            // The same limits the silos' engines apply, so a request is judged the same here and there.
            MaxModelLength = Math.Min(_options.MaxModelLength ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
            EosTokenIds = config.EosTokenIds;
            Membership.ExpectedModel = ModelShape.Of(config, MaxModelLength);
            IsReady = true;
            _log.LogInformation("Model {Name} config read; waiting for silos to register ({Policy} routing, heartbeat {Heartbeat} ms): {Layers} layers, vocab {Vocab}, context {Context}, tokenizer: {Tokenizer}",
                ServedModelName, _options.Routing, _options.HeartbeatInterval.TotalMilliseconds, config.LayerCount, config.VocabSize, MaxModelLength,
                Tokenizer is null ? "none (token-id prompts only)" : "yes");
        }
        catch (Exception e)
        {
            LoadError = e.Message;
            _log.LogError(e, "Loading {Model} failed", _options.Model);
        }
    }

    private KvTransferOptions TransferOptions => new() { LayerwiseMinTokens = _options.LayerwiseMinTokens, Lease = _options.KvLease, ClusterSecret = _options.ClusterSecret };

    /// <summary>Keeps the scheduler's view of the machines' queues and memory a few milliseconds fresh.</summary>
    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await Directory.RefreshEmbeddedAsync(cancellationToken);
                    Membership?.RemoveSilent();
                    Scheduler.Refresh(Directory.Snapshot());
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _log.LogWarning(e, "Refreshing machine loads failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Each machine's labels and load for /metrics.</summary>
    public IReadOnlyList<MachineMetrics> MachineMetrics()
    {
        var pools = Scheduler.Machines.ToDictionary(m => m.Id, m => m.Pool);
        return Directory.Members.Where(m => m.Load is not null).Select(m => new MachineMetrics(
            m.Machine.Id.Value, Name(m.Machine.Role), Name(pools.GetValueOrDefault(m.Machine.Id, m.Machine.Role)), m.Load!)).ToList();
    }

    private static string Name(MachineRole role) => role.ToString().ToLowerInvariant();

    private Tokenizer? LoadTokenizer()
    {
        var path = _options.Tokenizer ?? (IsSynthetic ? null : _options.Model);
        if (path is null) return null;
        try
        {
            return Tokenizer.Load(path);
        }
        catch (Exception e) when (_options.Tokenizer is null && e is IOException or TokenizerFormatException or NotSupportedException)
        {
            _log.LogWarning("No usable tokenizer beside {Model} ({Problem}); only token-id prompts will work.", _options.Model, e.Message);
            return null;
        }
    }

    private static string DefaultName(string model)
    {
        if (model.StartsWith("synthetic:", StringComparison.Ordinal)) return model;
        var full = Path.GetFullPath(model).TrimEnd(Path.DirectorySeparatorChar);
        return System.IO.Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileNameWithoutExtension(full);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_refreshing != null) await _refreshing;
    }

    public void Dispose()
    {
        // The DI container disposes it as the hosted service and as the singleton: only the first call counts.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        Embedded?.Dispose();
        Membership?.Dispose();
        _weights?.Dispose();
        _stopping.Dispose();
    }
}
