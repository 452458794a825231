using System.Text;
using System.Text.Json.Nodes;
using Splitwise.Engine.Loading;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>Broken Hugging Face folders and safetensors files built in code.</summary>
public sealed class BadHfFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TinyLlamaFiles _model = new();

    public void Dispose() => _dir.Dispose();

    private string Config => _dir.Path("config.json");
    private string Weights => _dir.Path("model.safetensors");

    private void WriteWith(Action<JsonObject> editConfig)
    {
        var config = _model.HfConfig();
        editConfig(config);
        _model.WriteHf(_dir.Root, config);
    }

    private void WriteWeights(byte[] bytes)
    {
        _model.WriteHf(_dir.Root);
        File.WriteAllBytes(Weights, bytes);
    }

    private static byte[] Header(string json, long declaredLength = -1)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return [.. BitConverter.GetBytes(declaredLength < 0 ? bytes.Length : declaredLength), .. bytes];
    }

    [Fact]
    public void ImplausibleHeaderLength()
    {
        WriteWeights([.. BitConverter.GetBytes(1UL << 50), .. new byte[64]]);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "bad header", "JSON header");
    }

    [Fact]
    public void TruncatedHeader()
    {
        WriteWeights(Header("{\"a\": 1}", declaredLength: 1000));
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "truncated", "JSON header");
        WriteWeights([1, 2, 3]);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "truncated", "header length");
    }

    [Fact]
    public void MalformedJsonHeader()
    {
        WriteWeights(Header("{\"model.norm.weight\": {\"dtype\": \"F32\", "));
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "malformed JSON header");
        WriteWeights(Header("{\"model.norm.weight\": {\"dtype\": \"F32\", \"shape\": [32]}}"));
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "tensor 'model.norm.weight'", "data_offsets");
        WriteWeights(Header("{\"model.norm.weight\": {\"dtype\": \"F32\", \"shape\": [-3], \"data_offsets\": [0, 0]}}"));
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "shape dimension -3");
    }

    [Fact]
    public void DataOutsideTheFile()
    {
        var bytes = SafetensorsWriter.ToBytes(_model.HfTensors(), (t, b, e) => t.Name == "model.layers.1.mlp.up_proj.weight" ? (b + 1_000_000, e + 1_000_000) : (b, e));
        WriteWeights(bytes);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "tensor 'model.layers.1.mlp.up_proj.weight'", "lies outside the file");
    }

    [Fact]
    public void TruncatedData()
    {
        var bytes = SafetensorsWriter.ToBytes(_model.HfTensors());
        WriteWeights(bytes[..^10]);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "tensor 'lm_head.weight'", "lies outside the file", "truncated");
    }

    [Fact]
    public void ByteCountDisagreesWithShape()
    {
        var bytes = SafetensorsWriter.ToBytes(_model.HfTensors(), (t, b, e) => t.Name == "model.norm.weight" ? (b, e - 4) : (b, e));
        WriteWeights(bytes);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "tensor 'model.norm.weight'", "124 bytes of data for 32 F32 elements");
    }

    [Fact]
    public void ShapeMismatch()
    {
        var tensors = _model.HfTensors().Select(t => t.Name == "model.layers.0.self_attn.k_proj.weight" ? t with { Shape = [8, 32] } : t).ToList();
        var bytes = SafetensorsWriter.ToBytes(tensors, (t, b, e) => (b, t.Name == "model.layers.0.self_attn.k_proj.weight" ? b + 8 * 32 * 4 : e));
        WriteWeights(bytes);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "shape mismatch in tensor 'model.layers.0.self_attn.k_proj.weight'", "expected [16, 32]", "found [8, 32]");
    }

    [Fact]
    public void UnsupportedDtype()
    {
        var tensors = _model.HfTensors().Select(t => t.Name == "model.layers.1.mlp.gate_proj.weight" ? t with { DType = "I8", Data = t.Data[..(t.Data.Length / 4)] } : t);
        WriteWeights(SafetensorsWriter.ToBytes(tensors));
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "unsupported tensor type I8 in tensor 'model.layers.1.mlp.gate_proj.weight'");
    }

    [Fact]
    public void MissingAndUnexpectedTensors()
    {
        _model.WriteHf(_dir.Root, tensors: _model.HfTensors().Where(t => t.Name != "lm_head.weight").ToList());
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "tensor 'lm_head.weight' is missing");

        var extra = _model.HfTensors();
        extra.Add(new SafetensorsWriter.Tensor("model.layers.0.mlp.experts.0.weight", "F32", [2], new byte[8]));
        _model.WriteHf(_dir.Root, tensors: extra);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Weights, "unexpected tensor(s) 'model.layers.0.mlp.experts.0.weight'");
    }

    [Fact]
    public void NoWeightsFile()
    {
        File.WriteAllText(Config, _model.HfConfig().ToJsonString());
        ModelFileAssert.LoadFails(_dir.Root, "no weights", "model.safetensors");
    }

    [Fact]
    public void NoConfig()
    {
        ModelFileAssert.LoadFails(_dir.Root, "not a model directory", "config.json");
    }

    [Fact]
    public void MalformedConfigJson()
    {
        _model.WriteHf(_dir.Root);
        File.WriteAllText(Config, "{\"model_type\": \"llama\", \"hidden_size\": ");
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Config, "malformed JSON");
        File.WriteAllText(Config, "[1, 2]");
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Config, "expected a JSON object");
    }

    [Theory]
    [InlineData("hidden_size", null, "missing field hidden_size")]
    [InlineData("num_hidden_layers", "\"two\"", "num_hidden_layers must be an integer")]
    [InlineData("model_type", "\"gpt_neox\"", "unsupported architecture 'gpt_neox'")]
    [InlineData("hidden_act", "\"gelu\"", "unsupported hidden_act 'gelu'")]
    [InlineData("attention_bias", "true", "unsupported attention_bias")]
    [InlineData("mlp_bias", "true", "unsupported mlp_bias")]
    [InlineData("quantization_config", "{\"quant_method\": \"gptq\"}", "pre-quantized")]
    [InlineData("rope_scaling", "{\"rope_type\": \"yarn\", \"factor\": 4.0}", "unsupported rope_scaling type 'yarn'")]
    [InlineData("rope_scaling", "{\"rope_type\": \"llama3\", \"factor\": 8.0}", "missing field rope_scaling.low_freq_factor")]
    [InlineData("num_key_value_heads", "3", "multiple of num_key_value_heads (3)")]
    [InlineData("eos_token_id", "\"</s>\"", "malformed eos_token_id")]
    public void BadConfigField(string field, string? json, string problem)
    {
        WriteWith(c =>
        {
            if (json == null) c.Remove(field);
            else c[field] = JsonNode.Parse(json);
        });
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Config, problem);
    }

    [Fact]
    public void MistralSlidingWindowShorterThanTheContext()
    {
        var model = new TinyLlamaFiles { Architecture = "mistral" };
        var config = model.HfConfig();
        config["sliding_window"] = 64;
        model.WriteHf(_dir.Root, config);
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), Config, "unsupported sliding_window 64");

        config["sliding_window"] = 4096; // longer than max_position_embeddings 128: no effect, accepted
        model.WriteHf(_dir.Root, config);
        using var w = ModelLoader.Load(_dir.Root);
        Assert.Equal("mistral", w.Config.Architecture);
    }

    [Fact]
    public void MalformedGenerationConfig()
    {
        _model.WriteHf(_dir.Root);
        string gen = _dir.Path("generation_config.json");
        File.WriteAllText(gen, "{\"eos_token_id\": [1, ");
        ModelFileAssert.Fails(() => ModelLoader.Load(_dir.Root), gen, "malformed JSON");
    }
}
