using Splitwise.Kernels;

namespace Splitwise.Engine.Model;

/// <summary>One decoder layer. Matrices are [out, in] (row-major, as in PyTorch's nn.Linear).</summary>
public sealed class LlamaLayerWeights
{
    /// <summary>[HiddenSize]</summary>
    public required float[] AttentionNorm { get; init; }
    /// <summary>[HeadCount·HeadDim, HiddenSize]</summary>
    public required WeightMatrix Query { get; init; }
    /// <summary>[KvHeadCount·HeadDim, HiddenSize]</summary>
    public required WeightMatrix Key { get; init; }
    /// <summary>[KvHeadCount·HeadDim, HiddenSize]</summary>
    public required WeightMatrix Value { get; init; }
    /// <summary>[HiddenSize, HeadCount·HeadDim]</summary>
    public required WeightMatrix Output { get; init; }
    /// <summary>[HeadCount·HeadDim] or null (Qwen2 has q/k/v biases).</summary>
    public float[]? QueryBias { get; init; }
    public float[]? KeyBias { get; init; }
    public float[]? ValueBias { get; init; }
    /// <summary>[HiddenSize]</summary>
    public required float[] FfnNorm { get; init; }
    /// <summary>[IntermediateSize, HiddenSize]</summary>
    public required WeightMatrix Gate { get; init; }
    /// <summary>[IntermediateSize, HiddenSize]</summary>
    public required WeightMatrix Up { get; init; }
    /// <summary>[HiddenSize, IntermediateSize]</summary>
    public required WeightMatrix Down { get; init; }
}
