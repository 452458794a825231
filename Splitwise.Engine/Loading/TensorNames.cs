namespace Splitwise.Engine.Loading;

/// <summary>How one file format names the tensors of a Llama-family model.</summary>
internal sealed class TensorNames
{
    public required string Embedding { get; init; }
    public required string FinalNorm { get; init; }
    public required string Classifier { get; init; }
    /// <summary>Format string with {0} = layer index and {1} = the part (see <see cref="Part"/>).</summary>
    public required string LayerFormat { get; init; }
    public required IReadOnlyDictionary<LayerPart, string> Parts { get; init; }

    public string Layer(int layer, LayerPart part) => string.Format(LayerFormat, layer, Parts[part]);

    /// <summary>Hugging Face transformers (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM).</summary>
    public static TensorNames HuggingFace { get; } = new()
    {
        Embedding = "model.embed_tokens.weight",
        FinalNorm = "model.norm.weight",
        Classifier = "lm_head.weight",
        LayerFormat = "model.layers.{0}.{1}",
        Parts = new Dictionary<LayerPart, string>
        {
            [LayerPart.AttentionNorm] = "input_layernorm.weight",
            [LayerPart.Query] = "self_attn.q_proj.weight",
            [LayerPart.Key] = "self_attn.k_proj.weight",
            [LayerPart.Value] = "self_attn.v_proj.weight",
            [LayerPart.Output] = "self_attn.o_proj.weight",
            [LayerPart.QueryBias] = "self_attn.q_proj.bias",
            [LayerPart.KeyBias] = "self_attn.k_proj.bias",
            [LayerPart.ValueBias] = "self_attn.v_proj.bias",
            [LayerPart.FfnNorm] = "post_attention_layernorm.weight",
            [LayerPart.Gate] = "mlp.gate_proj.weight",
            [LayerPart.Up] = "mlp.up_proj.weight",
            [LayerPart.Down] = "mlp.down_proj.weight",
        },
    };

    /// <summary>llama.cpp's GGUF names.</summary>
    public static TensorNames Gguf { get; } = new()
    {
        Embedding = "token_embd.weight",
        FinalNorm = "output_norm.weight",
        Classifier = "output.weight",
        LayerFormat = "blk.{0}.{1}",
        Parts = new Dictionary<LayerPart, string>
        {
            [LayerPart.AttentionNorm] = "attn_norm.weight",
            [LayerPart.Query] = "attn_q.weight",
            [LayerPart.Key] = "attn_k.weight",
            [LayerPart.Value] = "attn_v.weight",
            [LayerPart.Output] = "attn_output.weight",
            [LayerPart.QueryBias] = "attn_q.bias",
            [LayerPart.KeyBias] = "attn_k.bias",
            [LayerPart.ValueBias] = "attn_v.bias",
            [LayerPart.FfnNorm] = "ffn_norm.weight",
            [LayerPart.Gate] = "ffn_gate.weight",
            [LayerPart.Up] = "ffn_up.weight",
            [LayerPart.Down] = "ffn_down.weight",
        },
    };
}

internal enum LayerPart
{
    AttentionNorm, Query, Key, Value, Output, QueryBias, KeyBias, ValueBias, FfnNorm, Gate, Up, Down,
}
