namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// One expected request on the receiving side: its reserved blocks, what has arrived, and its lease. Every change
/// and every write into its blocks happens under <see cref="Gate"/>, so expiry (which hands the blocks back to the
/// machine) can never interleave with a write.
/// </summary>
internal sealed class KvInboundTransfer(long requestId, int[] blockTable, int promptTokens, Action<long> expired, TokenCoverage coverage, DateTimeOffset deadline)
{
    public object Gate { get; } = new();
    public long RequestId { get; } = requestId;
    public int[] BlockTable { get; } = blockTable;
    public int PromptTokens { get; } = promptTokens;
    public Action<long> Expired { get; } = expired;
    public TokenCoverage Coverage { get; } = coverage;
    public DateTimeOffset Deadline { get; set; } = deadline;
    public KvInboundState State { get; set; } = KvInboundState.Receiving;
    public string? FailureReason { get; private set; }
    public long FirstFrameTimestamp { get; set; }
    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Marks the transfer failed and fails its waiters. Call under <see cref="Gate"/>. False if it had already ended.</summary>
    public bool Fail(string reason, KvInboundState state = KvInboundState.Failed)
    {
        if (State is KvInboundState.Failed or KvInboundState.Gone)
        {
            State = state == KvInboundState.Gone ? state : State;
            return false;
        }
        bool wasReceiving = State == KvInboundState.Receiving;
        State = state;
        FailureReason = reason;
        if (Completion.TrySetException(new KvTransferException($"KV of request {RequestId}: {reason}.", RequestId)))
            _ = Completion.Task.Exception; // observed: the machine may not be waiting yet
        return wasReceiving;
    }
}
