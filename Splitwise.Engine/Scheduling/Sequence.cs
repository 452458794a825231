using Splitwise.Engine.Sampling;

namespace Splitwise.Engine.Scheduling;

/// <summary>
/// One request inside a machine: its tokens, its KV blocks and how far the cache has caught up with them.
/// Owned by the step scheduler; read by the runner.
/// </summary>
public sealed class Sequence
{
    /// <param name="outputSoFar">Tokens generated elsewhere before this machine took the request over (they are recomputed with the prompt).</param>
    public Sequence(long id, int[] prompt, SamplingParams sampling, IReadOnlyList<int>? outputSoFar = null)
    {
        if (prompt.Length == 0) throw new ArgumentException("A prompt needs at least one token.", nameof(prompt));
        Id = id;
        Prompt = prompt;
        Sampling = sampling;
        if (outputSoFar != null) Output.AddRange(outputSoFar);
        Random = new Random(sampling.Seed is { } seed ? unchecked((int)(seed ^ (seed >> 32))) : System.Random.Shared.Next());
    }

    public long Id { get; }
    public int[] Prompt { get; }
    public List<int> Output { get; } = [];
    public SamplingParams Sampling { get; }
    /// <summary>This sequence's own random stream, so a seeded request samples the same whatever it is batched with.</summary>
    public Random Random { get; }
    public SequenceStatus Status { get; internal set; } = SequenceStatus.Waiting;
    public FinishReason? FinishReason { get; internal set; }
    /// <summary>Physical KV block of each block-sized run of positions.</summary>
    public List<int> BlockTable { get; } = [];
    /// <summary>Tokens whose K/V are in the cache (vLLM's num_computed_tokens).</summary>
    public int ComputedTokenCount { get; internal set; }
    /// <summary>Full blocks already entered in the prefix cache, and the chain hash after the last of them.</summary>
    internal int RegisteredBlockCount { get; set; }
    internal ulong LastBlockHash { get; set; }
    /// <summary>Times this sequence lost its blocks to preemption and had to recompute.</summary>
    public int PreemptionCount { get; internal set; }
    /// <summary>Times this sequence was left out of a step so prompts could go first (prompt-first machines bound it).</summary>
    internal int DeferredSteps { get; set; }
    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the step that first computed this sequence; 0 until then.</summary>
    public long FirstScheduledTimestamp { get; internal set; }
    /// <summary>Prompt tokens served from the prefix cache at admission.</summary>
    public int CachedPromptTokens { get; internal set; }

    public int TotalTokens => Prompt.Length + Output.Count;
    public int TokenAt(int index) => index < Prompt.Length ? Prompt[index] : Output[index - Prompt.Length];
    public bool IsFinished => Status == SequenceStatus.Finished;

    public int[] TokensFrom(int start, int count)
    {
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = TokenAt(start + i);
        return tokens;
    }
}
