using Splitwise.Silo.KvTransfer;

namespace Splitwise.Silo.Machines;

/// <summary>A snapshot of a machine's queue and memory, for metrics and for the cluster scheduler.</summary>
public sealed record MachineLoad(int Running, int Waiting, int BlocksUsed, int BlocksTotal, int LastBatchSize, int LastBatchTokens, double PrefixHitRate, long Steps)
{
    /// <summary>Prompt tokens accepted and not yet prefilled (the prompt-queue length JSQ compares).</summary>
    public int PendingPromptTokens { get; init; }
    /// <summary>Reserved requests whose KV has not all arrived (the handoff queue).</summary>
    public int AwaitingKv { get; init; }
    public KvTransferStats Transfer { get; init; } = KvTransferStats.Empty;
}
