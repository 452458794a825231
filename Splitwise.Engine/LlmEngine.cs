using System.Collections.Concurrent;
using System.Diagnostics;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Engine.Runner;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Engine.Transfer;
using Splitwise.Kernels.Threading;

namespace Splitwise.Engine;

/// <summary>
/// One machine's engine: <see cref="AddRequest"/>, <see cref="Abort"/>, and <see cref="Step"/>, which schedules,
/// runs the model and applies the result. Step runs on one loop thread; AddRequest and Abort may come from any
/// thread and take effect at the start of the next step.
/// </summary>
public sealed class LlmEngine : IDisposable
{
    private readonly LlamaWeights _weights;
    private readonly KvCache _cache;
    private readonly LlamaForward _forward;
    private readonly ModelRunner _runner;
    private readonly StepScheduler _scheduler;
    private readonly ConcurrentQueue<Func<StepOutput?>> _inbox = new();
    private readonly ConcurrentDictionary<long, Sequence> _live = new();
    private long _nextId;
    private int _inboxPromptTokens;

    public LlmEngine(LlamaWeights weights, EngineOptions options, WorkerPool? pool = null)
    {
        _weights = weights;
        var config = weights.Config;
        MaxModelLength = Math.Min(options.MaxModelLength ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
        var kvDataType = options.KvDataTypeFor(weights);
        long perBlock = KvCache.BytesPerBlock(config, options.BlockSize, kvDataType);
        long blocksForContext = (MaxModelLength + options.BlockSize - 1) / options.BlockSize;
        int blocks = (int)Math.Min(options.KvCacheBytes / perBlock, blocksForContext * 64);
        if (blocks < blocksForContext)
            throw new ArgumentException($"A KV budget of {options.KvCacheBytes} bytes holds {blocks} blocks; one {MaxModelLength}-token sequence needs {blocksForContext}.");
        _cache = new KvCache(config, blocks, options.BlockSize, kvDataType);
        _forward = new LlamaForward(weights, _cache, pool ?? WorkerPool.Shared);
        EosTokenIds = config.EosTokenIds;
        _runner = new ModelRunner(_forward, EosTokenIds);
        _scheduler = new StepScheduler(options.Scheduler, new BlockAllocator(blocks), options.BlockSize);
    }

    public LlamaWeights Weights => _weights;
    public int MaxModelLength { get; }
    public IReadOnlyList<int> EosTokenIds { get; }
    public KvCache Cache => _cache;
    public bool HasWork => !_inbox.IsEmpty || _scheduler.HasWork;
    public int RunningCount => _scheduler.RunningCount;
    public int WaitingCount => _scheduler.WaitingCount;
    public int AwaitingKvCount => _scheduler.AwaitingKvCount;
    public int BlocksUsed => _scheduler.Allocator.UsedCount;
    public int BlocksTotal => _scheduler.Allocator.BlockCount;
    public double PrefixHitRate => _scheduler.PrefixHitRate;
    public int LastBatchSize { get; private set; }
    public int LastBatchTokens { get; private set; }
    /// <summary>Where step time has gone since start (scheduling, forward by batch shape, sampling).</summary>
    public StepStatistics Statistics { get; } = new();
    /// <summary>Set to stream each layer's KV out as it is written (prompt machines).</summary>
    public IKvLayerSink? LayerSink { get; set; }

    /// <summary>Queues a request. Throws <see cref="ArgumentException"/> if it cannot ever fit.</summary>
    /// <param name="beforeQueued">Runs before the step loop can see the sequence (register where its outputs go).</param>
    /// <param name="outputSoFar">Output already produced elsewhere (a request taken over from a failed machine): recomputed with the prompt, counted against max_tokens.</param>
    public Sequence AddRequest(int[] prompt, SamplingParams sampling, Action<Sequence>? beforeQueued = null, IReadOnlyList<int>? outputSoFar = null)
    {
        Validate(prompt, sampling, outputSoFar);
        var seq = new Sequence(Interlocked.Increment(ref _nextId), prompt, sampling, outputSoFar);
        beforeQueued?.Invoke(seq);
        _live[seq.Id] = seq;
        Interlocked.Add(ref _inboxPromptTokens, seq.TotalTokens);
        _inbox.Enqueue(() =>
        {
            Interlocked.Add(ref _inboxPromptTokens, -seq.TotalTokens);
            _scheduler.Add(seq);
            return null;
        });
        return seq;
    }

    /// <summary>Prompt tokens accepted and not yet computed: queued, waiting, or mid-prefill.</summary>
    public int PendingPromptTokens => Volatile.Read(ref _inboxPromptTokens) + _scheduler.PendingPromptTokens;

    /// <summary>
    /// Token-machine side of a handoff: reserves KV blocks for a prompt that another machine prefills. Returns null
    /// if the blocks are not free now. Call from the thread that runs <see cref="Step"/> (the machine's one turn).
    /// </summary>
    public Sequence? ReserveForHandoff(int[] prompt, SamplingParams sampling)
    {
        Validate(prompt, sampling);
        var seq = new Sequence(Interlocked.Increment(ref _nextId), prompt, sampling);
        if (!_scheduler.Reserve(seq)) return null;
        _live[seq.Id] = seq;
        return seq;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for a request this engine can never run.</summary>
    private void Validate(int[] prompt, SamplingParams sampling, IReadOnlyList<int>? outputSoFar = null)
    {
        sampling.Validate();
        if (prompt.Length == 0) throw new ArgumentException("The prompt is empty.");
        int total = prompt.Length + (outputSoFar?.Count ?? 0);
        if (total >= MaxModelLength)
            throw new ArgumentException($"The prompt has {total} tokens; this model's context is {MaxModelLength}.");
        foreach (var t in outputSoFar is null ? prompt : prompt.Concat(outputSoFar))
            if ((uint)t >= (uint)_weights.Config.VocabSize)
                throw new ArgumentException($"Token id {t} is outside the vocabulary (0..{_weights.Config.VocabSize - 1}).");
        if (outputSoFar != null && outputSoFar.Count >= sampling.MaxTokens)
            throw new ArgumentException($"{outputSoFar.Count} tokens were already generated; max_tokens is {sampling.MaxTokens}.");
    }

    /// <summary>The reserved sequence's prompt KV has arrived and its first token was sampled elsewhere: decode on. Same thread as <see cref="Step"/>.</summary>
    public void ResumeAfterHandoff(Sequence seq, int firstToken)
    {
        _scheduler.Resume(seq, firstToken, EosTokenIds, MaxModelLength);
        if (seq.IsFinished) _live.TryRemove(seq.Id, out _);
    }

    /// <summary>Cancels a request; its blocks are free after the next step starts.</summary>
    public void Abort(long sequenceId)
    {
        _inbox.Enqueue(() =>
        {
            if (!_live.TryRemove(sequenceId, out var seq) || !_scheduler.Abort(seq)) return null;
            return new StepOutput(seq, null, FinishReason.Abort);
        });
    }

    /// <summary>schedule → run → update. Returns the new tokens and finishes of this step.</summary>
    public IReadOnlyList<StepOutput> Step()
    {
        var outputs = new List<StepOutput>();
        while (_inbox.TryDequeue(out var action))
            if (action() is { } aborted) outputs.Add(aborted);

        long start = Stopwatch.GetTimestamp();
        var batch = _scheduler.Schedule();
        LastBatchSize = batch.Sequences.Count;
        LastBatchTokens = batch.TokenCount;
        if (batch.IsEmpty) return outputs;
        int decodeTokens = batch.Sequences.Count(s => s.TokenCount == 1 && s.Sequence.Output.Count > 0);

        long scheduled = Stopwatch.GetTimestamp();
        var sampled = _runner.Run(batch, LayerSink);
        long ran = Stopwatch.GetTimestamp();
        _scheduler.Update(batch, sampled, EosTokenIds, MaxModelLength);
        var (forwardTicks, sampleTicks) = _runner.LastTicks;
        Statistics.Record(batch.TokenCount, batch.TokenCount - decodeTokens, scheduled - start, forwardTicks, sampleTicks, Stopwatch.GetTimestamp() - ran);
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            if (sampled[i] is not { } token) continue;
            var seq = batch.Sequences[i].Sequence;
            outputs.Add(new StepOutput(seq, token, seq.FinishReason));
            if (seq.IsFinished) _live.TryRemove(seq.Id, out _);
        }
        return outputs;
    }

    /// <summary>Runs one request to completion on the calling thread (command line, tests).</summary>
    public Sequence Generate(int[] prompt, SamplingParams sampling)
    {
        var seq = AddRequest(prompt, sampling);
        while (!seq.IsFinished) Step();
        return seq;
    }

    public void Dispose()
    {
        _forward.Dispose();
        _cache.Dispose();
    }
}
