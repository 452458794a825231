using Splitwise.Engine.Cache;
using Splitwise.Engine.Sampling;

namespace Splitwise.Engine.Scheduling;

/// <summary>
/// Iteration-level (continuous) batching for one machine. Each step: running sequences first (decodes, then
/// unfinished prefill chunks), then waiting prompts in arrival order under the token budget, long prompts split
/// into chunks. When KV blocks run out, the newest running sequence is preempted: its blocks are freed and it
/// goes back to the front of the queue to recompute. Nothing is dropped.
/// </summary>
public sealed class StepScheduler
{
    private readonly SchedulerOptions _options;
    private readonly BlockAllocator _allocator;
    private readonly PrefixCache? _prefixCache;
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _running = [];
    private readonly HashSet<Sequence> _awaitingKv = [];

    public StepScheduler(SchedulerOptions options, BlockAllocator allocator, int blockSize)
    {
        _options = options;
        _allocator = allocator;
        BlockSize = blockSize;
        _prefixCache = options.EnablePrefixCaching ? new PrefixCache(allocator, blockSize) : null;
    }

    public int BlockSize { get; }
    public int WaitingCount => _waiting.Count;
    public int RunningCount => _running.Count;
    public int AwaitingKvCount => _awaitingKv.Count;
    public bool HasWork => _waiting.Count > 0 || _running.Count > 0;
    public double PrefixHitRate => _prefixCache?.HitRate ?? 0;
    public BlockAllocator Allocator => _allocator;

    public void Add(Sequence sequence)
    {
        int blocksNeeded = BlocksFor(sequence.TotalTokens);
        if (blocksNeeded > _allocator.BlockCount)
            throw new ArgumentException($"A sequence of {sequence.TotalTokens} tokens needs {blocksNeeded} KV blocks; this machine has {_allocator.BlockCount}.");
        sequence.Status = SequenceStatus.Waiting;
        _waiting.AddLast(sequence);
    }

    public ScheduledBatch Schedule()
    {
        var scheduled = new List<ScheduledSequence>();
        var preempted = new List<Sequence>();
        int budget = _options.MaxBatchedTokens;

        bool IsDecode(Sequence s) => s.TotalTokens - s.ComputedTokenCount == 1;
        if (_options.PromptsFirst)
        {
            // Prompts go first, except decodes already left out as often as allowed.
            var overdue = _running.Where(s => IsDecode(s) && s.DeferredSteps >= _options.MaxDecodeDeferrals).ToList();
            ScheduleRunning(overdue, scheduled, preempted, ref budget);
            ScheduleRunning(_running.Where(s => !IsDecode(s)).ToList(), scheduled, preempted, ref budget);
            Admit(scheduled, preempted, ref budget);
            // Not the ones just admitted: a prompt served from the prefix cache but its last token looks like a decode.
            ScheduleRunning(_running.Where(s => IsDecode(s) && !overdue.Contains(s) && !scheduled.Any(x => x.Sequence == s)).ToList(), scheduled, preempted, ref budget);
            foreach (var seq in _running)
                seq.DeferredSteps = scheduled.Any(x => x.Sequence == seq) ? 0 : seq.DeferredSteps + 1;
        }
        else
        {
            // Decodes before unfinished prefills, so a long prompt never stalls the token stream of others.
            ScheduleRunning(_running.Where(IsDecode).Concat(_running.Where(s => !IsDecode(s))).ToList(), scheduled, preempted, ref budget);
            Admit(scheduled, preempted, ref budget);
        }
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var (seq, _) in scheduled)
            if (seq.FirstScheduledTimestamp == 0) seq.FirstScheduledTimestamp = now;
        PendingPromptTokens = _waiting.Sum(s => s.TotalTokens - s.ComputedTokenCount)
            + _running.Where(s => !IsDecode(s)).Sum(s => s.TotalTokens - s.ComputedTokenCount)
            - scheduled.Where(x => x.Sequence.TotalTokens - x.Sequence.ComputedTokenCount > 1).Sum(x => x.TokenCount);
        return new ScheduledBatch(scheduled, preempted);
    }

    /// <summary>Prompt tokens waiting or mid-prefill and not in the batch just scheduled (the prompt queue a cluster scheduler compares).</summary>
    public int PendingPromptTokens { get; private set; }

    private void ScheduleRunning(List<Sequence> order, List<ScheduledSequence> scheduled, List<Sequence> preempted, ref int budget)
    {
        foreach (var seq in order)
        {
            if (seq.Status != SequenceStatus.Running) continue; // preempted earlier in this loop
            // Prompts-first runs several passes; a prompt admitted with one token left to compute looks like a decode to the last one.
            if (scheduled.Exists(x => x.Sequence == seq)) continue;
            int n = Math.Min(seq.TotalTokens - seq.ComputedTokenCount, budget);
            if (n <= 0) continue;
            while (!TryGrow(seq, seq.ComputedTokenCount + n))
            {
                var victim = _running[^1];
                Preempt(victim);
                preempted.Add(victim);
                int dropped = scheduled.FindIndex(s => s.Sequence == victim);
                if (dropped >= 0)
                {
                    budget += scheduled[dropped].TokenCount;
                    scheduled.RemoveAt(dropped);
                }
                if (victim == seq) break;
            }
            if (seq.Status != SequenceStatus.Running) continue;
            scheduled.Add(new ScheduledSequence(seq, n));
            budget -= n;
        }
    }

    /// <summary>Admits waiting prompts in arrival order, only in a step that preempted nobody: admitting would just preempt again.</summary>
    private void Admit(List<ScheduledSequence> scheduled, List<Sequence> preempted, ref int budget)
    {
        while (preempted.Count == 0 && budget > 0 && _waiting.First is { } node && _running.Count < _options.MaxRunningSequences)
        {
            var seq = node.Value;
            if (seq.ComputedTokenCount == 0 && seq.BlockTable.Count == 0) AttachCachedPrefix(seq);
            int n = Math.Min(seq.TotalTokens - seq.ComputedTokenCount, budget);
            if (!TryGrow(seq, seq.ComputedTokenCount + n))
            {
                if (_running.Count == 0 && seq.CachedPromptTokens > 0) DetachAll(seq); // let it retry without sharing
                break;
            }
            _waiting.RemoveFirst();
            seq.Status = SequenceStatus.Running;
            _running.Add(seq);
            scheduled.Add(new ScheduledSequence(seq, n));
            budget -= n;
        }
    }

    /// <summary>Applies a finished step: advances computed counts, appends sampled tokens, finishes sequences.</summary>
    public void Update(ScheduledBatch batch, IReadOnlyList<SampledToken?> sampled, IReadOnlyList<int> eosTokenIds, int maxModelLength)
    {
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            var (seq, count) = batch.Sequences[i];
            seq.ComputedTokenCount += count;
            RegisterFullBlocks(seq);
            if (sampled[i] is not { } token) continue;
            seq.Output.Add(token.Id);
            var reason = StopReason(seq, token.Id, eosTokenIds, maxModelLength);
            if (reason != null) Finish(seq, reason.Value);
        }
    }

    /// <summary>
    /// Reserves blocks for a sequence whose prompt KV will be written by another machine (ask-then-act: returns false
    /// and changes nothing if the blocks are not free). The sequence then waits, outside the batch, for <see cref="Resume"/>.
    /// </summary>
    public bool Reserve(Sequence seq)
    {
        int need = BlocksFor(seq.Prompt.Length + 1);
        if (!_allocator.CanAllocate(need)) return false;
        for (int i = 0; i < need; i++) seq.BlockTable.Add(_allocator.Allocate());
        seq.Status = SequenceStatus.AwaitingKv;
        _awaitingKv.Add(seq);
        return true;
    }

    /// <summary>The prompt's KV is in place and the prompt machine sampled <paramref name="firstToken"/>: decode from here.</summary>
    public void Resume(Sequence seq, int firstToken, IReadOnlyList<int> eosTokenIds, int maxModelLength)
    {
        if (!_awaitingKv.Remove(seq)) throw new InvalidOperationException($"Sequence {seq.Id} is not waiting for KV.");
        seq.ComputedTokenCount = seq.Prompt.Length;
        RegisterFullBlocks(seq);
        seq.Output.Add(firstToken);
        seq.Status = SequenceStatus.Running;
        _running.Add(seq);
        if (StopReason(seq, firstToken, eosTokenIds, maxModelLength) is { } reason) Finish(seq, reason);
    }

    /// <summary>Removes a sequence wherever it is and frees its blocks. Returns false if it was not here.</summary>
    public bool Abort(Sequence seq)
    {
        if (seq.IsFinished) return false;
        if (seq.Status == SequenceStatus.Waiting && !_waiting.Remove(seq)) return false;
        if (seq.Status == SequenceStatus.AwaitingKv) _awaitingKv.Remove(seq);
        Finish(seq, FinishReason.Abort);
        return true;
    }

    public static FinishReason? StopReason(Sequence seq, int token, IReadOnlyList<int> eosTokenIds, int maxModelLength)
        => StopReason(seq.Sampling, seq.Output.Count, seq.TotalTokens, token, eosTokenIds, maxModelLength);

    /// <summary>Whether <paramref name="token"/>, just appended as output number <paramref name="outputCount"/>, ends the request.</summary>
    public static FinishReason? StopReason(SamplingParams p, int outputCount, int totalTokens, int token, IReadOnlyList<int> eosTokenIds, int maxModelLength)
    {
        bool pastMin = outputCount >= p.MinTokens;
        if (pastMin && (!p.IgnoreEos && eosTokenIds.Contains(token) || p.StopTokenIds.Contains(token))) return FinishReason.Stop;
        if (outputCount >= p.MaxTokens || totalTokens >= maxModelLength) return FinishReason.Length;
        return null;
    }

    private void Finish(Sequence seq, FinishReason reason)
    {
        seq.Status = SequenceStatus.Finished;
        seq.FinishReason = reason;
        _running.Remove(seq);
        DetachAll(seq);
    }

    private void Preempt(Sequence seq)
    {
        _running.Remove(seq);
        DetachAll(seq);
        seq.Status = SequenceStatus.Waiting;
        seq.PreemptionCount++;
        _waiting.AddFirst(seq);
    }

    private void DetachAll(Sequence seq)
    {
        foreach (var block in seq.BlockTable) _allocator.Release(block);
        seq.BlockTable.Clear();
        seq.ComputedTokenCount = 0;
        seq.RegisteredBlockCount = 0;
        seq.LastBlockHash = 0;
        seq.CachedPromptTokens = 0;
    }

    private void AttachCachedPrefix(Sequence seq)
    {
        if (_prefixCache is null) return;
        var all = seq.TokensFrom(0, seq.TotalTokens);
        var blocks = _prefixCache.Lookup(all);
        ulong hash = 0;
        for (int b = 0; b < blocks.Count; b++)
        {
            _allocator.Retain(blocks[b]);
            seq.BlockTable.Add(blocks[b]);
            hash = PrefixCache.ChainHash(hash, all.AsSpan(b * BlockSize, BlockSize));
        }
        seq.ComputedTokenCount = seq.CachedPromptTokens = blocks.Count * BlockSize;
        seq.RegisteredBlockCount = blocks.Count;
        seq.LastBlockHash = hash;
    }

    private void RegisterFullBlocks(Sequence seq)
    {
        if (_prefixCache is null) return;
        int full = seq.ComputedTokenCount / BlockSize;
        for (int b = seq.RegisteredBlockCount; b < full; b++)
            seq.LastBlockHash = _prefixCache.Register(seq.BlockTable[b], seq.LastBlockHash, seq.TokensFrom(b * BlockSize, BlockSize));
        seq.RegisteredBlockCount = Math.Max(seq.RegisteredBlockCount, full);
    }

    private bool TryGrow(Sequence seq, int tokens)
    {
        int need = BlocksFor(tokens) - seq.BlockTable.Count;
        if (need <= 0) return true;
        if (!_allocator.CanAllocate(need)) return false;
        for (int i = 0; i < need; i++) seq.BlockTable.Add(_allocator.Allocate());
        return true;
    }

    private int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;
}
