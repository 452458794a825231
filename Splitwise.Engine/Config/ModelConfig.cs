namespace Splitwise.Engine.Config;

/// <summary>The shape and hyper-parameters of a Llama-family decoder, in Hugging Face config.json terms.</summary>
public sealed record ModelConfig
{
    /// <summary>"llama", "mistral" or "qwen2" (the model_type / general.architecture).</summary>
    public required string Architecture { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KvHeadCount { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>The longest sequence (prompt + output) the model was trained for.</summary>
    public required int MaxPositionEmbeddings { get; init; }
    public float RmsNormEps { get; init; } = 1e-5f;
    public float RopeTheta { get; init; } = 10000f;
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Per-frequency divisors stored in a GGUF file (rope_freqs.weight), an alternative to <see cref="RopeScaling"/>.</summary>
    public float[]? RopeFrequencyFactors { get; init; }
    public RopeLayout RopeLayout { get; init; } = RopeLayout.RotateHalf;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Q, K and V projections carry a bias (Qwen2).</summary>
    public bool AttentionBias { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int QueryDim => HeadCount * HeadDim;
    public int KvDim => KvHeadCount * HeadDim;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field that makes the shape impossible.</summary>
    public void Validate(string source)
    {
        void Check(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"{source}: invalid model config: {what}.");
        }
        Check(HiddenSize > 0 && IntermediateSize > 0 && LayerCount > 0 && VocabSize > 0, "sizes must be positive");
        Check(HeadCount > 0 && KvHeadCount > 0 && HeadCount % KvHeadCount == 0, $"num_attention_heads ({HeadCount}) must be a multiple of num_key_value_heads ({KvHeadCount})");
        Check(HeadDim > 0 && HeadDim % 2 == 0, $"head_dim ({HeadDim}) must be even");
        Check(MaxPositionEmbeddings > 0, "max_position_embeddings must be positive");
        Check(RmsNormEps > 0 && RopeTheta > 0, "rms_norm_eps and rope_theta must be positive");
        Check(RopeFrequencyFactors is null || RopeFrequencyFactors.Length == HeadDim / 2, "rope frequency factors must have head_dim/2 entries");
    }
}
