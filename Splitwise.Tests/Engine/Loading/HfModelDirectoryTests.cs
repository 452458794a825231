using System.Text.Json.Nodes;
using Splitwise.Engine.Config;
using Splitwise.Engine.Loading;
using Splitwise.Kernels;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>Hugging Face folders written in the test: sharded checkpoints, F16/BF16, Qwen2 biases, config variants.</summary>
public sealed unsafe class HfModelDirectoryTests
{
    private static float[] Floats(byte[] f32) => Enumerable.Range(0, f32.Length / 4).Select(i => BitConverter.ToSingle(f32, i * 4)).ToArray();

    [Fact]
    public void ShardedCheckpoint_LoadsEveryTensorFromItsShard()
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles();
        var tensors = model.HfTensors();
        File.WriteAllText(dir.Path("config.json"), model.HfConfig().ToJsonString());
        // Three shards, tensors dealt round-robin so every layer spans files.
        var map = new JsonObject();
        for (int s = 0; s < 3; s++)
        {
            string shard = $"model-{s + 1:00000}-of-00003.safetensors";
            var part = tensors.Where((_, i) => i % 3 == s).ToList();
            SafetensorsWriter.Write(dir.Path(shard), part);
            foreach (var t in part) map[t.Name] = shard;
        }
        File.WriteAllText(dir.Path("model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());

        using var w = ModelLoader.Load(dir.Root);
        Assert.Equal(3, w.Owners.Count);
        Assert.Equal(Floats(tensors.Single(t => t.Name == "model.layers.1.mlp.down_proj.weight").Data), Stories260kLoadingTests.Dequantize(w.Layers[1].Down));
        Assert.Equal(Floats(tensors.Single(t => t.Name == "lm_head.weight").Data), Stories260kLoadingTests.Dequantize(w.Classifier));
        Assert.Equal(Floats(tensors.Single(t => t.Name == "model.embed_tokens.weight").Data), Stories260kLoadingTests.Dequantize(w.TokenEmbedding));
        Assert.Equal(Floats(tensors.Single(t => t.Name == "model.layers.0.self_attn.k_proj.weight").Data), Stories260kLoadingTests.Dequantize(w.Layers[0].Key));
        Assert.Equal(Enumerable.Repeat(1f, model.Hidden), w.Layers[1].FfnNorm);
        var owners = w.Owners.Cast<MappedFile>().Select(f => Path.GetFileName(f.FilePath)).Order().ToList();
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], owners);
    }

    [Fact]
    public void ShardedCheckpoint_MissingShardOrTensorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles();
        var tensors = model.HfTensors();
        File.WriteAllText(dir.Path("config.json"), model.HfConfig().ToJsonString());
        SafetensorsWriter.Write(dir.Path("a.safetensors"), tensors.Skip(1));
        var map = new JsonObject();
        foreach (var t in tensors) map[t.Name] = "a.safetensors";
        string index = dir.Path("model.safetensors.index.json");
        File.WriteAllText(index, new JsonObject { ["weight_map"] = map.DeepClone() }.ToJsonString());
        var e = Assert.Throws<ModelFileException>(() => ModelLoader.Load(dir.Root));
        Assert.StartsWith(dir.Path("a.safetensors") + ": ", e.Message);
        Assert.Contains("'model.embed_tokens.weight' is missing", e.Message);

        map["model.embed_tokens.weight"] = "b.safetensors";
        File.WriteAllText(index, new JsonObject { ["weight_map"] = map.DeepClone() }.ToJsonString());
        e = Assert.Throws<ModelFileException>(() => ModelLoader.Load(dir.Root));
        Assert.StartsWith(index + ": ", e.Message);
        Assert.Contains("shard 'b.safetensors'", e.Message);
        Assert.Contains("does not exist", e.Message);

        map["model.embed_tokens.weight"] = "../outside.safetensors";
        File.WriteAllText(index, new JsonObject { ["weight_map"] = map.DeepClone() }.ToJsonString());
        e = Assert.Throws<ModelFileException>(() => ModelLoader.Load(dir.Root));
        Assert.StartsWith(index + ": ", e.Message);
        Assert.Contains("not a file name in this folder", e.Message);
    }

    [Theory]
    [InlineData("F16", WeightType.F16)]
    [InlineData("BF16", WeightType.BF16)]
    public void HalfPrecisionCheckpoints_KeepTheirType(string dtype, WeightType expected)
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles();
        var tensors = model.HfTensors(dtype);
        model.WriteHf(dir.Root, tensors: tensors);
        using var w = ModelLoader.Load(dir.Root);
        Assert.Equal(expected, w.Layers[0].Gate.Type);
        Assert.True(new ReadOnlySpan<byte>(w.Layers[0].Gate.Data, (int)w.Layers[0].Gate.TotalBytes)
            .SequenceEqual(tensors.Single(t => t.Name == "model.layers.0.mlp.gate_proj.weight").Data));
        Assert.Equal(Enumerable.Repeat(1f, model.Hidden), w.FinalNorm); // norms decoded from the half type
    }

    [Fact]
    public void Qwen2_HasQkvBiases()
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles { Architecture = "qwen2", Tied = true };
        var tensors = model.HfTensors();
        var config = model.HfConfig();
        config["use_sliding_window"] = false;
        config["sliding_window"] = 64; // ignored while use_sliding_window is false, as in transformers
        model.WriteHf(dir.Root, config, tensors);
        using var w = ModelLoader.Load(dir.Root);
        Assert.Equal("qwen2", w.Config.Architecture);
        Assert.True(w.Config.AttentionBias);
        Assert.Equal(RopeLayout.RotateHalf, w.Config.RopeLayout);
        Assert.Equal(Floats(tensors.Single(t => t.Name == "model.layers.1.self_attn.v_proj.bias").Data), w.Layers[1].ValueBias);
        Assert.Equal(model.Hidden, w.Layers[0].QueryBias!.Length);
        Assert.Same(w.TokenEmbedding, w.Classifier);
    }

    [Fact]
    public void Config_Llama3RopeScalingHeadDimAndEosLists()
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles { Tied = true };
        var config = model.HfConfig();
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 32.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 8192,
        };
        config["eos_token_id"] = new JsonArray(128001, 128008);
        config.Remove("num_key_value_heads");
        var tensors = model.HfTensors().Select(t => t.Name.Contains("k_proj") || t.Name.Contains("v_proj")
            ? t with { Shape = [model.Hidden, model.Hidden], Data = new byte[model.Hidden * model.Hidden * 4] } : t).ToList();
        // Tied models sometimes still carry lm_head, and old checkpoints rotary buffers: both are ignored.
        tensors.Add(new SafetensorsWriter.Tensor("lm_head.weight", "F32", [model.Vocab, model.Hidden], new byte[model.Vocab * model.Hidden * 4]));
        tensors.Add(new SafetensorsWriter.Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", "F32", [model.HeadDim / 2], new byte[model.HeadDim * 2]));
        model.WriteHf(dir.Root, config, tensors);
        File.WriteAllText(dir.Path("generation_config.json"), """{"eos_token_id": [128001, 128009], "bos_token_id": 128000}""");

        using var w = ModelLoader.Load(dir.Path("config.json"));
        var c = w.Config;
        Assert.Equal(new RopeScaling(32f, 1f, 4f, 8192), c.RopeScaling);
        Assert.Equal([128001, 128008, 128009], c.EosTokenIds);
        Assert.Equal(model.Heads, c.KvHeadCount); // default: as many KV heads as query heads
        Assert.Equal(model.Hidden / model.Heads, c.HeadDim);
        Assert.Equal(500000f, c.RopeTheta);
        Assert.Equal(1e-6f, c.RmsNormEps);
    }

    [Fact]
    public void Config_ExplicitHeadDimAndMistralWithoutWindow()
    {
        using var dir = new TempDirectory();
        var model = new TinyLlamaFiles { Architecture = "mistral", Heads = 2, KvHeads = 1, Hidden = 32 };
        var config = model.HfConfig();
        config["head_dim"] = 16;
        config["sliding_window"] = null;
        model.WriteHf(dir.Root, config);
        using var w = ModelLoader.Load(dir.Root);
        Assert.Equal("mistral", w.Config.Architecture);
        Assert.Equal(16, w.Config.HeadDim);
        Assert.Equal(RopeLayout.RotateHalf, w.Config.RopeLayout);
        Assert.Equal((16, 32), (w.Layers[0].Key.Rows, w.Layers[0].Key.Cols));
    }

    [Fact]
    public void SafetensorsFile_ReportsDtypesShapesAndMetadata()
    {
        using var st = SafetensorsFile.Open(SharedData.Path("models", "stories260k", "model.safetensors"));
        var (dtype, shape) = st.Describe("model.layers.0.self_attn.k_proj.weight");
        Assert.Equal("F32", dtype);
        Assert.Equal([32L, 64L], shape);
        Assert.Equal(47, st.TensorNames.Count);
        Assert.Equal(172 * 64, st.ReadFloats("model.layers.4.mlp.up_proj.weight").Length);
    }
}
