using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Engine.Scheduling;
using Splitwise.Engine.Tokenization;
using Splitwise.Kernels.Threading;
using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Hosting;

/// <summary>
/// The embedded machine: loads the model in the background (so /health answers at once and /ready says when it
/// is done), then owns its tokenizer, chat template and engine loop.
/// </summary>
public sealed class ModelHost : IHostedService, IDisposable
{
    private readonly GatewayOptions _options;
    private readonly ILogger<ModelHost> _log;
    private Task? _loading;
    private LlamaWeights? _weights;
    private WorkerPool? _pool;

    public ModelHost(GatewayOptions options, ILogger<ModelHost> log)
    {
        _options = options;
        _log = log;
        ServedModelName = options.ServedModelName ?? DefaultName(options.Model);
    }

    public string ServedModelName { get; }
    public bool IsSynthetic => _options.Model.StartsWith("synthetic:", StringComparison.Ordinal);
    public bool IsReady { get; private set; }
    public string? LoadError { get; private set; }
    public EngineLoop? Loop { get; private set; }
    public Tokenizer? Tokenizer { get; private set; }
    public ChatTemplate? ChatTemplate { get; private set; }
    public int MaxModelLength => Loop?.Engine.MaxModelLength ?? 0;
    public long CreatedUnixSeconds { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.ModelGiven)
            _log.LogWarning("NO --model GIVEN: serving the synthetic model {Model} (random weights, meaningless text). Pass --model PATH for a real model.", _options.Model);
        _loading = Task.Run(Load, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes when loading has finished, successfully or not.</summary>
    public Task WaitUntilLoadedAsync() => _loading ?? Task.CompletedTask;

    private void Load()
    {
        try
        {
            _weights = ModelLoader.Load(_options.Model);
            Tokenizer = LoadTokenizer();
            ChatTemplate = _options.ChatTemplateFile is { } file
                ? ChatTemplate.Parse(File.ReadAllText(file), file)
                : Tokenizer?.ChatTemplate;
            var config = _weights.Config;
            _pool = _options.Threads is { } threads ? new WorkerPool(threads) : WorkerPool.Shared;
            var engine = new LlmEngine(_weights, new EngineOptions
            {
                KvCacheBytes = _options.KvCacheBytes,
                KvDataType = _options.KvF16 ? KvDataType.F16 : KvDataType.F32,
                MaxModelLength = _options.MaxModelLength,
                Scheduler = new SchedulerOptions { MaxBatchedTokens = _options.MaxBatchedTokens },
            }, _pool);
            Loop = new EngineLoop(engine, "mixed");
            IsReady = true;
            _log.LogInformation("Model {Name} ready: {Layers} layers, hidden {Hidden}, vocab {Vocab}, context {Context}, {Blocks} KV blocks, tokenizer: {Tokenizer}, chat template: {Template}",
                ServedModelName, config.LayerCount, config.HiddenSize, config.VocabSize, engine.MaxModelLength, engine.BlocksTotal,
                Tokenizer is null ? "none (token-id prompts only)" : "yes", ChatTemplate is null ? "none (chat requests get 400)" : "yes");
        }
        catch (Exception e)
        {
            LoadError = e.Message;
            _log.LogError(e, "Loading {Model} failed", _options.Model);
        }
    }

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
        return Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileNameWithoutExtension(full);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        Loop?.Dispose();
        Loop?.Engine.Dispose();
        _weights?.Dispose();
        if (_pool != null && _pool != WorkerPool.Shared) _pool.Dispose();
    }
}
