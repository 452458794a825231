using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Kernels;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Engine;

/// <summary>How one machine's engine sizes its KV cache and batches.</summary>
public sealed record EngineOptions
{
    /// <summary>Tokens per KV block. Default 16.</summary>
    public int BlockSize { get; init; } = 16;
    /// <summary>Memory for the KV cache, in bytes. Default 1 GiB (capped to what the model's context needs × 64 sequences).</summary>
    public long KvCacheBytes { get; init; } = 1L << 30;
    /// <summary>
    /// Element type of cached K/V; null (the default) picks by the weights through <see cref="KvDataTypeFor"/>: F32 for
    /// a model whose matrices are all F32, F16 otherwise, as vLLM's "auto" (the model's dtype) and llama.cpp's f16
    /// default do. 16-bit KV holds twice the tokens in the same memory and halves decode attention's reads.
    /// </summary>
    public KvDataType? KvDataType { get; init; }

    /// <summary>The KV element type an engine over <paramref name="weights"/> uses under these options.</summary>
    public KvDataType KvDataTypeFor(LlamaWeights weights)
        => KvDataType ?? (weights.MatricesReadPerStep.All(m => m.Type == WeightType.F32) ? Cache.KvDataType.F32 : Cache.KvDataType.F16);
    /// <summary>Longest prompt + output accepted; null = the model's max_position_embeddings.</summary>
    public int? MaxModelLength { get; init; }
    public SchedulerOptions Scheduler { get; init; } = new();
}
