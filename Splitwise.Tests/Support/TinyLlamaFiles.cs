using System.Text.Json;
using System.Text.Json.Nodes;

namespace Splitwise.Tests.Support;

/// <summary>
/// Small but complete Llama/Qwen2 model files written in code: a GGUF (with a chosen ggml type per matrix) and a
/// Hugging Face folder. Tests change one thing (remove a tensor, corrupt a shape) to check the loaders' errors.
/// Matrices hold random bytes (quantized ones too: they are only compared, never computed with); norms hold ones.
/// </summary>
public sealed class TinyLlamaFiles
{
    public string Architecture { get; init; } = "llama";
    public int Hidden { get; init; } = 32;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int Ffn { get; init; } = 64;
    public int Vocab { get; init; } = 16;
    public int ContextLength { get; init; } = 128;
    public bool Tied { get; init; }
    public int Seed { get; init; } = 1;

    public int HeadDim => Hidden / Heads;
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Every matrix of the model as (GGUF name, rows, cols), in a fixed order.</summary>
    public IEnumerable<(string Name, int Rows, int Cols)> GgufMatrices()
    {
        yield return ("token_embd.weight", Vocab, Hidden);
        for (int l = 0; l < Layers; l++)
        {
            yield return ($"blk.{l}.attn_q.weight", Hidden, Hidden);
            yield return ($"blk.{l}.attn_k.weight", KvDim, Hidden);
            yield return ($"blk.{l}.attn_v.weight", KvDim, Hidden);
            yield return ($"blk.{l}.attn_output.weight", Hidden, Hidden);
            yield return ($"blk.{l}.ffn_gate.weight", Ffn, Hidden);
            yield return ($"blk.{l}.ffn_up.weight", Ffn, Hidden);
            yield return ($"blk.{l}.ffn_down.weight", Hidden, Ffn);
        }
        if (!Tied) yield return ("output.weight", Vocab, Hidden);
    }

    /// <summary>A GGUF writer holding the whole model; <paramref name="typeOf"/> picks each matrix's ggml type id.</summary>
    public GgufWriter Gguf(Func<string, uint>? typeOf = null)
    {
        var rng = new Random(Seed);
        var w = new GgufWriter();
        string a = Architecture;
        w.Add("general.architecture", a)
            .Add($"{a}.context_length", (uint)ContextLength)
            .Add($"{a}.embedding_length", (uint)Hidden)
            .Add($"{a}.block_count", (uint)Layers)
            .Add($"{a}.feed_forward_length", (uint)Ffn)
            .Add($"{a}.rope.dimension_count", (uint)HeadDim)
            .Add($"{a}.attention.head_count", (uint)Heads)
            .Add($"{a}.attention.head_count_kv", (uint)KvHeads)
            .Add($"{a}.attention.layer_norm_rms_epsilon", 1e-6f)
            .Add($"{a}.rope.freq_base", 500000f)
            .Add("tokenizer.ggml.bos_token_id", 1u)
            .Add("tokenizer.ggml.eos_token_id", 2u);
        foreach (var (name, rows, cols) in GgufMatrices())
        {
            uint type = typeOf?.Invoke(name) ?? 0;
            w.AddTensor(name, [cols, rows], type, RandomBytes(rng, GgmlBytes(type, (long)rows * cols)));
        }
        for (int l = 0; l < Layers; l++)
        {
            w.AddTensor($"blk.{l}.attn_norm.weight", [Hidden], 0, Ones(Hidden));
            w.AddTensor($"blk.{l}.ffn_norm.weight", [Hidden], 0, Ones(Hidden));
            if (a == "qwen2")
            {
                w.AddTensor($"blk.{l}.attn_q.bias", [Hidden], 0, SafetensorsWriter.F32(Floats(rng, Hidden)));
                w.AddTensor($"blk.{l}.attn_k.bias", [KvDim], 0, SafetensorsWriter.F32(Floats(rng, KvDim)));
                w.AddTensor($"blk.{l}.attn_v.bias", [KvDim], 0, SafetensorsWriter.F32(Floats(rng, KvDim)));
            }
        }
        w.AddTensor("output_norm.weight", [Hidden], 0, Ones(Hidden));
        return w;
    }

    /// <summary>config.json contents for the same shape.</summary>
    public JsonObject HfConfig() => new()
    {
        ["model_type"] = Architecture,
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Ffn,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["vocab_size"] = Vocab,
        ["max_position_embeddings"] = ContextLength,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 500000.0,
        ["tie_word_embeddings"] = Tied,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["hidden_act"] = "silu",
    };

    /// <summary>Every tensor of the HF checkpoint as F32 (or BF16/F16 when <paramref name="dtype"/> says so).</summary>
    public List<SafetensorsWriter.Tensor> HfTensors(string dtype = "F32")
    {
        var rng = new Random(Seed);
        var list = new List<SafetensorsWriter.Tensor>();
        void Add(string name, params long[] shape)
        {
            int n = (int)shape.Aggregate(1L, (x, y) => x * y);
            bool norm = name.EndsWith("norm.weight", StringComparison.Ordinal);
            var values = norm ? Enumerable.Repeat(1f, n).ToArray() : Floats(rng, n);
            list.Add(new SafetensorsWriter.Tensor(name, dtype, shape, Encode(values, dtype)));
        }
        Add("model.embed_tokens.weight", Vocab, Hidden);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"model.layers.{l}.";
            Add(p + "input_layernorm.weight", Hidden);
            Add(p + "self_attn.q_proj.weight", Hidden, Hidden);
            Add(p + "self_attn.k_proj.weight", KvDim, Hidden);
            Add(p + "self_attn.v_proj.weight", KvDim, Hidden);
            Add(p + "self_attn.o_proj.weight", Hidden, Hidden);
            if (Architecture == "qwen2")
            {
                Add(p + "self_attn.q_proj.bias", Hidden);
                Add(p + "self_attn.k_proj.bias", KvDim);
                Add(p + "self_attn.v_proj.bias", KvDim);
            }
            Add(p + "post_attention_layernorm.weight", Hidden);
            Add(p + "mlp.gate_proj.weight", Ffn, Hidden);
            Add(p + "mlp.up_proj.weight", Ffn, Hidden);
            Add(p + "mlp.down_proj.weight", Hidden, Ffn);
        }
        Add("model.norm.weight", Hidden);
        if (!Tied) Add("lm_head.weight", Vocab, Hidden);
        return list;
    }

    /// <summary>Writes config.json and model.safetensors into <paramref name="directory"/>.</summary>
    public void WriteHf(string directory, JsonObject? config = null, List<SafetensorsWriter.Tensor>? tensors = null)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), (config ?? HfConfig()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors ?? HfTensors());
    }

    public static byte[] Encode(float[] values, string dtype) => dtype switch
    {
        "F32" => SafetensorsWriter.F32(values),
        "F16" => values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray(),
        "BF16" => values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16))).ToArray(),
        _ => throw new ArgumentException(dtype),
    };

    /// <summary>Bytes of <paramref name="elements"/> values of a ggml type (F32 0, F16 1, Q4_0 2, Q8_0 8, Q4_K 12, Q6_K 14, BF16 30; others: Q5_K-sized).</summary>
    public static long GgmlBytes(uint type, long elements) => type switch
    {
        0 => elements * 4,
        1 or 30 => elements * 2,
        2 => elements / 32 * 18,
        8 => elements / 32 * 34,
        12 => elements / 256 * 144,
        14 => elements / 256 * 210,
        _ => elements / 256 * 176,
    };

    public static byte[] Ones(int n) => SafetensorsWriter.F32(Enumerable.Repeat(1f, n).ToArray());

    private static float[] Floats(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static byte[] RandomBytes(Random rng, long n)
    {
        var bytes = new byte[n];
        rng.NextBytes(bytes);
        return bytes;
    }
}
