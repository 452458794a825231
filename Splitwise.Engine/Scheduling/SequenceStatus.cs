namespace Splitwise.Engine.Scheduling;

public enum SequenceStatus
{
    /// <summary>Queued; holds no KV blocks (or was preempted and will recompute).</summary>
    Waiting,
    /// <summary>Admitted: being prefilled chunk by chunk, or decoding.</summary>
    Running,
    /// <summary>Blocks reserved on a token machine; the prompt's KV is arriving from a prompt machine (vLLM's WAITING_FOR_REMOTE_KVS).</summary>
    AwaitingKv,
    Finished,
}

public enum FinishReason
{
    /// <summary>EOS or a stop token was generated.</summary>
    Stop,
    /// <summary>max_tokens reached, or the model's context is full.</summary>
    Length,
    /// <summary>Cancelled by the caller (client gone, request withdrawn).</summary>
    Abort,
}
