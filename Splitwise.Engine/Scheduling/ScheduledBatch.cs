namespace Splitwise.Engine.Scheduling;

/// <summary>One sequence's share of a step: compute <paramref name="TokenCount"/> tokens starting at its computed count.</summary>
public readonly record struct ScheduledSequence(Sequence Sequence, int TokenCount)
{
    /// <summary>This chunk reaches the sequence's last token, so the step samples its next one.</summary>
    public bool SamplesToken => Sequence.ComputedTokenCount + TokenCount == Sequence.TotalTokens;
}

/// <summary>The only thing that crosses from scheduler to runner: what to compute this step, and who was preempted.</summary>
public sealed record ScheduledBatch(IReadOnlyList<ScheduledSequence> Sequences, IReadOnlyList<Sequence> Preempted)
{
    public int TokenCount => Sequences.Sum(s => s.TokenCount);
    public bool IsEmpty => Sequences.Count == 0;
}
