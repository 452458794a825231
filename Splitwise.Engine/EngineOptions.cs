using Splitwise.Engine.Cache;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Engine;

/// <summary>How one machine's engine sizes its KV cache and batches.</summary>
public sealed record EngineOptions
{
    /// <summary>Tokens per KV block. Default 16.</summary>
    public int BlockSize { get; init; } = 16;
    /// <summary>Memory for the KV cache, in bytes. Default 1 GiB (capped to what the model's context needs × 64 sequences).</summary>
    public long KvCacheBytes { get; init; } = 1L << 30;
    /// <summary>Element type of cached K/V. Default F32.</summary>
    public KvDataType KvDataType { get; init; } = KvDataType.F32;
    /// <summary>Longest prompt + output accepted; null = the model's max_position_embeddings.</summary>
    public int? MaxModelLength { get; init; }
    public SchedulerOptions Scheduler { get; init; } = new();
}
