using Splitwise.Engine.Config;
using Splitwise.Engine.Model;

namespace Splitwise.Engine.Loading;

/// <summary>
/// Maps a GGUF file written by llama.cpp's converters onto <see cref="LlamaWeights"/>. Quantized matrices stay
/// in their stored blocks inside the mapping. RoPE: llama.cpp's converter permutes a "llama" model's q/k rows back
/// to Meta's interleaved order, while "qwen2" keeps HF's rows and uses NEOX (rotate_half) rotation.
/// </summary>
public static class GgufModel
{
    private const string RopeFrequencyName = "rope_freqs.weight";

    public static LlamaWeights Load(string path)
    {
        var gguf = GgufFile.Open(path);
        try
        {
            var config = ReadConfig(gguf);
            var tensors = Views(gguf);
            var assembler = new LlamaWeightsAssembler(config, gguf.FilePath, tensors, TensorNames.Gguf)
            {
                Ignorable = name => name == RopeFrequencyName,
            };
            return assembler.Assemble(gguf.FilePath, [gguf.Owner]);
        }
        catch
        {
            gguf.Dispose();
            throw;
        }
    }

    /// <summary>The model config the metadata describes (shapes of tensors are checked later, against it).</summary>
    public static ModelConfig ReadConfig(GgufFile gguf)
    {
        string path = gguf.FilePath;
        string arch = gguf.GetString("general.architecture") ?? throw new ModelFileException(path, "metadata general.architecture is missing");
        var layout = arch switch
        {
            "llama" or "mistral" => RopeLayout.Interleaved,
            "qwen2" => RopeLayout.RotateHalf,
            _ => throw new ModelFileException(path, $"unsupported architecture '{arch}' (supported: llama, mistral, qwen2)"),
        };
        int Required(string key) => ToInt(gguf, $"{arch}.{key}", gguf.GetInteger($"{arch}.{key}")
            ?? throw new ModelFileException(path, $"metadata {arch}.{key} is missing"));
        int? Optional(string key) => gguf.GetInteger($"{arch}.{key}") is { } v ? ToInt(gguf, $"{arch}.{key}", v) : null;

        int hidden = Required("embedding_length");
        int heads = Required("attention.head_count");
        if (heads <= 0) throw new ModelFileException(path, $"metadata {arch}.attention.head_count is {heads}");
        int headDim = Optional("attention.key_length") ?? hidden / heads;
        int maxPositions = Required("context_length");
        if (Optional("attention.value_length") is { } vl && vl != headDim)
            throw new ModelFileException(path, $"unsupported {arch}.attention.value_length {vl} different from key_length {headDim}");
        if (Optional("rope.dimension_count") is { } rd && rd != headDim)
            throw new ModelFileException(path, $"unsupported partial rotary embedding: {arch}.rope.dimension_count {rd} != head dim {headDim}");
        if (Optional("attention.sliding_window") is { } window && window < maxPositions)
            throw new ModelFileException(path, $"unsupported sliding window {window} (shorter than the context length {maxPositions})");
        string scaling = gguf.GetString($"{arch}.rope.scaling.type") ?? "none";
        if (scaling != "none")
            throw new ModelFileException(path, $"unsupported rope scaling type '{scaling}' ({arch}.rope.scaling.type; llama3 scaling comes as rope_freqs.weight)");

        int vocab = gguf.TryGetTensor(TensorNames.Gguf.Embedding, out var embd) && embd.Dimensions.Length == 2
            ? (int)embd.Dimensions[1]
            : Optional("vocab_size") ?? (gguf.Metadata.TryGetValue("tokenizer.ggml.tokens", out var tokens) && tokens is string[] list
                ? list.Length
                : throw new ModelFileException(path, $"cannot tell the vocabulary size: no {TensorNames.Gguf.Embedding}, {arch}.vocab_size or tokenizer.ggml.tokens"));

        var eos = new List<int>();
        foreach (var key in new[] { "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
            if (gguf.GetInteger(key) is { } id && !eos.Contains((int)id)) eos.Add(ToInt(gguf, key, id));

        var config = new ModelConfig
        {
            Architecture = arch,
            HiddenSize = hidden,
            IntermediateSize = Required("feed_forward_length"),
            LayerCount = Required("block_count"),
            HeadCount = heads,
            KvHeadCount = Optional("attention.head_count_kv") ?? heads,
            HeadDim = headDim,
            VocabSize = vocab,
            MaxPositionEmbeddings = maxPositions,
            RmsNormEps = (float)(gguf.GetReal($"{arch}.attention.layer_norm_rms_epsilon")
                                 ?? throw new ModelFileException(path, $"metadata {arch}.attention.layer_norm_rms_epsilon is missing")),
            RopeTheta = (float)(gguf.GetReal($"{arch}.rope.freq_base") ?? 10000.0),
            RopeFrequencyFactors = RopeFrequencyFactors(gguf, headDim),
            RopeLayout = layout,
            TieWordEmbeddings = !gguf.TryGetTensor(TensorNames.Gguf.Classifier, out _),
            AttentionBias = arch == "qwen2",
            BosTokenId = gguf.GetInteger("tokenizer.ggml.bos_token_id") is { } bos ? ToInt(gguf, "tokenizer.ggml.bos_token_id", bos) : null,
            EosTokenIds = eos,
        };
        try
        {
            config.Validate(path);
        }
        catch (ArgumentException e)
        {
            throw new ModelFileException(path, e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message, e);
        }
        return config;
    }

    private static int ToInt(GgufFile gguf, string key, long value) =>
        value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new ModelFileException(gguf.FilePath, $"metadata {key} = {value} is out of range");

    private static float[]? RopeFrequencyFactors(GgufFile gguf, int headDim)
    {
        if (!gguf.TryGetTensor(RopeFrequencyName, out var info)) return null;
        var view = View(gguf, info);
        var type = view.Type ?? throw new ModelFileException(gguf.FilePath, $"unsupported tensor type {info.TypeName} in tensor '{RopeFrequencyName}'");
        return LlamaWeightsAssembler.Decode(view, type, headDim / 2);
    }

    private static Dictionary<string, TensorView> Views(GgufFile gguf) =>
        gguf.Tensors.ToDictionary(t => t.Name, t => View(gguf, t), StringComparer.Ordinal);

    private static unsafe TensorView View(GgufFile gguf, GgufTensorInfo t) => new()
    {
        Name = t.Name,
        Type = t.WeightType,
        TypeName = t.TypeName,
        Shape = t.RowMajorShape,
        StoredShapeText = $"ne [{string.Join(", ", t.Dimensions)}] (ggml order, i.e. [{string.Join(", ", t.RowMajorShape)}] row-major)",
        Data = t.WeightType == null ? null : gguf.TensorData(t),
        ByteLength = t.ByteLength ?? 0,
        FilePath = gguf.FilePath,
        Owner = gguf.Owner,
    };
}
