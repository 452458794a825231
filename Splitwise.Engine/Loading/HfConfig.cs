using System.Text.Json;
using Splitwise.Engine.Config;

namespace Splitwise.Engine.Loading;

/// <summary>
/// Reads a Hugging Face config.json (and generation_config.json beside it) into a <see cref="ModelConfig"/>.
/// Anything the forward pass would silently get wrong (other activations, MLP or output biases, sliding windows,
/// rope scaling other than llama3, pre-quantized checkpoints) is refused with the field named.
/// </summary>
public static class HfConfig
{
    public static ModelConfig Read(string configPath)
    {
        using var doc = ParseJson(configPath);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw Bad(configPath, "malformed config: expected a JSON object");
        var fields = new Fields(configPath, root);

        string architecture = ArchitectureOf(configPath, root);
        int hidden = fields.Int("hidden_size");
        int heads = fields.Int("num_attention_heads");
        int kvHeads = fields.OptionalInt("num_key_value_heads") ?? heads;
        if (heads <= 0) throw Bad(configPath, $"invalid config: num_attention_heads is {heads}");
        int headDim = fields.OptionalInt("head_dim") ?? hidden / heads;
        int maxPositions = fields.OptionalInt("max_position_embeddings") ?? 2048;

        string act = fields.OptionalString("hidden_act") ?? fields.OptionalString("hidden_activation") ?? "silu";
        if (act != "silu") throw Bad(configPath, $"unsupported hidden_act '{act}' (only silu/SwiGLU)");
        if (fields.OptionalBool("mlp_bias") == true) throw Bad(configPath, "unsupported mlp_bias: true");
        if (root.TryGetProperty("quantization_config", out var qc) && qc.ValueKind != JsonValueKind.Null)
            throw Bad(configPath, "unsupported quantization_config: pre-quantized checkpoints (GPTQ, AWQ, bitsandbytes, ...) are not supported; use a GGUF file");

        bool attentionBias = architecture == "qwen2"; // Qwen2 always has q/k/v biases (and none on o_proj)
        if (architecture != "qwen2" && fields.OptionalBool("attention_bias") == true)
            throw Bad(configPath, $"unsupported attention_bias: true for {architecture} (it also puts a bias on o_proj)");

        CheckSlidingWindow(configPath, fields, architecture, maxPositions);

        var config = new ModelConfig
        {
            Architecture = architecture,
            HiddenSize = hidden,
            IntermediateSize = fields.Int("intermediate_size"),
            LayerCount = fields.Int("num_hidden_layers"),
            HeadCount = heads,
            KvHeadCount = kvHeads,
            HeadDim = headDim,
            VocabSize = fields.Int("vocab_size"),
            MaxPositionEmbeddings = maxPositions,
            RmsNormEps = (float)(fields.OptionalDouble("rms_norm_eps") ?? 1e-6),
            RopeTheta = (float)(fields.OptionalDouble("rope_theta") ?? 10000.0),
            RopeScaling = RopeScalingOf(configPath, root),
            RopeLayout = RopeLayout.RotateHalf,
            TieWordEmbeddings = fields.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = attentionBias,
            BosTokenId = fields.OptionalInt("bos_token_id"),
            EosTokenIds = EosIds(configPath, root, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, "generation_config.json")),
        };
        try
        {
            config.Validate(configPath);
        }
        catch (ArgumentException e)
        {
            throw new ModelFileException(configPath, e.Message.StartsWith(configPath + ": ", StringComparison.Ordinal) ? e.Message[(configPath.Length + 2)..] : e.Message, e);
        }
        return config;
    }

    internal static JsonDocument ParseJson(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot read the file ({e.Message})", e);
        }
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"malformed JSON ({e.Message})", e);
        }
    }

    private static string ArchitectureOf(string path, JsonElement root)
    {
        string? modelType = root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null;
        if (modelType == null && root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array && archs.GetArrayLength() > 0)
        {
            modelType = archs[0].GetString() switch
            {
                "LlamaForCausalLM" => "llama",
                "MistralForCausalLM" => "mistral",
                "Qwen2ForCausalLM" => "qwen2",
                var other => other,
            };
        }
        return modelType switch
        {
            "llama" or "mistral" or "qwen2" => modelType,
            null => throw Bad(path, "malformed config: no model_type or architectures field"),
            _ => throw Bad(path, $"unsupported architecture '{modelType}' (supported: llama, mistral, qwen2)"),
        };
    }

    /// <summary>A window at least as long as the context changes nothing; a shorter one would need masking we do not do.</summary>
    private static void CheckSlidingWindow(string path, Fields fields, string architecture, int maxPositions)
    {
        int? window = fields.OptionalInt("sliding_window");
        bool used = architecture == "qwen2" ? fields.OptionalBool("use_sliding_window") == true : window != null;
        if (used && window != null && window < maxPositions)
            throw Bad(path, $"unsupported sliding_window {window} (shorter than max_position_embeddings {maxPositions}; sliding-window attention is not implemented)");
    }

    private static RopeScaling? RopeScalingOf(string path, JsonElement root)
    {
        if (!root.TryGetProperty("rope_scaling", out var rs) || rs.ValueKind == JsonValueKind.Null) return null;
        if (rs.ValueKind != JsonValueKind.Object) throw Bad(path, "malformed rope_scaling: expected an object or null");
        var f = new Fields(path, rs, "rope_scaling.");
        string type = f.OptionalString("rope_type") ?? f.OptionalString("type") ?? "default";
        return type switch
        {
            "default" => null,
            "llama3" => new RopeScaling(
                (float)f.Double("factor"), (float)f.Double("low_freq_factor"), (float)f.Double("high_freq_factor"),
                f.Int("original_max_position_embeddings")),
            _ => throw Bad(path, $"unsupported rope_scaling type '{type}' (supported: llama3, default)"),
        };
    }

    private static IReadOnlyList<int> EosIds(string configPath, JsonElement root, string generationConfigPath)
    {
        var ids = new List<int>();
        AddIds(configPath, root, ids);
        if (File.Exists(generationConfigPath))
        {
            using var gen = ParseJson(generationConfigPath);
            if (gen.RootElement.ValueKind == JsonValueKind.Object) AddIds(generationConfigPath, gen.RootElement, ids);
        }
        return ids;
    }

    private static void AddIds(string path, JsonElement obj, List<int> ids)
    {
        if (!obj.TryGetProperty("eos_token_id", out var eos)) return;
        IEnumerable<JsonElement> items = eos.ValueKind switch
        {
            JsonValueKind.Array => eos.EnumerateArray(),
            JsonValueKind.Null => [],
            _ => [eos],
        };
        foreach (var item in items)
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0)
                throw Bad(path, $"malformed eos_token_id: {eos.GetRawText()}");
            if (!ids.Contains(id)) ids.Add(id);
        }
    }

    private static ModelFileException Bad(string path, string problem) => new(path, problem);

    /// <summary>Typed access to config fields, each failure naming the field.</summary>
    private sealed class Fields(string path, JsonElement obj, string prefix = "")
    {
        private JsonElement? Get(string name) =>
            obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public int Int(string name) => OptionalInt(name) ?? throw Bad(path, $"malformed config: missing field {prefix}{name}");
        public double Double(string name) => OptionalDouble(name) ?? throw Bad(path, $"malformed config: missing field {prefix}{name}");

        public int? OptionalInt(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
            throw Bad(path, $"malformed config: {prefix}{name} must be an integer, got {v.GetRawText()}");
        }

        public double? OptionalDouble(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
            throw Bad(path, $"malformed config: {prefix}{name} must be a number, got {v.GetRawText()}");
        }

        public bool? OptionalBool(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            throw Bad(path, $"malformed config: {prefix}{name} must be true or false, got {v.GetRawText()}");
        }

        public string? OptionalString(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.String) return v.GetString();
            throw Bad(path, $"malformed config: {prefix}{name} must be a string, got {v.GetRawText()}");
        }
    }
}
