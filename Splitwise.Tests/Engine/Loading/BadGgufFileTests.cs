using Splitwise.Engine.Loading;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>Broken GGUF files built in code: each gives a <see cref="ModelFileException"/> naming the file and the problem.</summary>
public sealed class BadGgufFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TinyLlamaFiles _model = new();

    public void Dispose() => _dir.Dispose();

    private string Write(byte[] bytes, string name = "bad.gguf")
    {
        string path = _dir.Path(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(GgufWriter writer) => Write(writer.ToBytes());

    [Fact]
    public void BadMagic()
    {
        var bytes = _model.Gguf().ToBytes();
        bytes[0] = (byte)'X';
        ModelFileAssert.LoadFails(Write(bytes), "bad magic", "not a GGUF file");
    }

    [Fact]
    public void Version1IsRejected()
    {
        var w = _model.Gguf();
        w.Version = 1;
        ModelFileAssert.LoadFails(Write(w), "unsupported GGUF version 1");
    }

    [Fact]
    public void BigEndianVersionIsRejected()
    {
        var w = _model.Gguf();
        w.Version = 0x03000000;
        ModelFileAssert.LoadFails(Write(w), "unsupported GGUF version", "little-endian");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(200)]
    [InlineData(700)]
    public void TruncatedHeader(int keep)
    {
        var bytes = _model.Gguf().ToBytes()[..keep];
        ModelFileAssert.LoadFails(Write(bytes), "truncated");
    }

    [Fact]
    public void TruncatedData()
    {
        var bytes = _model.Gguf().ToBytes();
        var e = ModelFileAssert.LoadFails(Write(bytes[..(bytes.Length - 100)]), "lies outside the file", "truncated");
        Assert.Contains("output_norm.weight", e.Problem); // the last tensor is the one cut off
    }

    [Fact]
    public void TensorOffsetOutsideTheFile()
    {
        var w = _model.Gguf();
        w.AddTensor(w.GetTensor("blk.1.ffn_up.weight") with { OffsetOverride = 1UL << 40 });
        ModelFileAssert.LoadFails(Write(w), "tensor 'blk.1.ffn_up.weight'", "lies outside the file");
    }

    [Fact]
    public void HugeOffsetDoesNotOverflow()
    {
        var w = _model.Gguf();
        w.AddTensor(w.GetTensor("blk.0.attn_v.weight") with { OffsetOverride = ulong.MaxValue - 31 });
        ModelFileAssert.LoadFails(Write(w), "tensor 'blk.0.attn_v.weight'", "lies outside the file");
    }

    [Fact]
    public void MisalignedOffset()
    {
        var w = _model.Gguf();
        w.AddTensor(w.GetTensor("blk.0.attn_v.weight") with { OffsetOverride = 4 });
        ModelFileAssert.LoadFails(Write(w), "tensor 'blk.0.attn_v.weight'", "not a multiple of the alignment 32");
    }

    [Fact]
    public void ShapeMismatch()
    {
        var w = _model.Gguf();
        var q = w.GetTensor("blk.0.attn_q.weight");
        w.AddTensor(q with { Dims = [16, 64] }); // same bytes, transposed-looking shape
        ModelFileAssert.LoadFails(Write(w), "shape mismatch in tensor 'blk.0.attn_q.weight'", "expected [32, 32]", "ne [16, 64]");
    }

    [Fact]
    public void EmbeddingShapeDisagreesWithMetadataVocab()
    {
        var w = _model.Gguf();
        w.AddTensor("output.weight", [_model.Hidden, _model.Vocab + 1], 0, new byte[_model.Hidden * (_model.Vocab + 1) * 4]);
        ModelFileAssert.LoadFails(Write(w), "shape mismatch in tensor 'output.weight'", $"expected [{_model.Vocab}, {_model.Hidden}]");
    }

    [Fact]
    public void UnsupportedTensorType()
    {
        var model = new TinyLlamaFiles { Hidden = 256, Ffn = 256, Vocab = 4 };
        var w = model.Gguf(name => name == "blk.0.attn_q.weight" ? 13u : 0u); // Q5_K
        string path = Write(w);
        ModelFileAssert.LoadFails(path, "unsupported tensor type Q5_K in tensor 'blk.0.attn_q.weight'");
        // The container itself still opens, so metadata (a tokenizer) can be read from files we cannot compute with.
        using var g = GgufFile.Open(path);
        Assert.True(g.TryGetTensor("blk.0.attn_q.weight", out var q));
        Assert.Equal(("Q5_K", 13u, (Splitwise.Kernels.WeightType?)null), (q.TypeName, q.TypeId, q.WeightType));
        Assert.Equal(1u, g.Metadata["tokenizer.ggml.bos_token_id"]);
    }

    [Fact]
    public void UnknownTensorTypeCode()
    {
        var w = _model.Gguf();
        w.AddTensor(w.GetTensor("blk.1.attn_k.weight") with { TypeId = 77 });
        ModelFileAssert.LoadFails(Write(w), "unsupported tensor type type 77 in tensor 'blk.1.attn_k.weight'");
    }

    [Fact]
    public void RowsNotWholeBlocks()
    {
        var w = _model.Gguf();
        w.AddTensor("blk.0.ffn_gate.weight", [48, 64], 8, new byte[48 / 32 * 34 * 64 + 34 * 64]);
        ModelFileAssert.LoadFails(Write(w), "tensor 'blk.0.ffn_gate.weight'", "not a whole number of Q8_0 blocks");
    }

    [Fact]
    public void UnsupportedArchitecture()
    {
        var w = _model.Gguf().Add("general.architecture", "gpt2");
        ModelFileAssert.LoadFails(Write(w), "unsupported architecture 'gpt2'");
    }

    [Fact]
    public void MissingArchitecture()
    {
        var bytes = new GgufWriter().Add("general.name", "x").ToBytes();
        ModelFileAssert.LoadFails(Write(bytes), "general.architecture is missing");
    }

    [Fact]
    public void MissingMetadataKey()
    {
        var w = _model.Gguf();
        w.Remove("llama.feed_forward_length");
        ModelFileAssert.LoadFails(Write(w), "metadata llama.feed_forward_length is missing");
    }

    [Fact]
    public void MetadataOfTheWrongType()
    {
        var w = _model.Gguf().Add("llama.embedding_length", "32");
        ModelFileAssert.LoadFails(Write(w), "metadata llama.embedding_length must be an integer");
    }

    [Fact]
    public void MissingTensor()
    {
        var w = _model.Gguf();
        w.RemoveTensor("blk.1.ffn_up.weight");
        ModelFileAssert.LoadFails(Write(w), "tensor 'blk.1.ffn_up.weight' is missing");
    }

    [Fact]
    public void UnexpectedTensor()
    {
        var w = _model.Gguf();
        w.AddTensor("blk.2.attn_q.weight", [32, 32], 0, new byte[32 * 32 * 4]);
        ModelFileAssert.LoadFails(Write(w), "unexpected tensor(s) 'blk.2.attn_q.weight'", "2 layers");
    }

    [Fact]
    public void BiasOnALlamaIsUnexpected()
    {
        var w = _model.Gguf();
        w.AddTensor("blk.0.attn_q.bias", [32], 0, new byte[32 * 4]);
        ModelFileAssert.LoadFails(Write(w), "unexpected tensor 'blk.0.attn_q.bias'");
    }

    [Fact]
    public void UnsupportedRopeScalingAndSlidingWindow()
    {
        var w = _model.Gguf().Add("llama.rope.scaling.type", "yarn");
        ModelFileAssert.LoadFails(Write(w), "unsupported rope scaling type 'yarn'");
        w = _model.Gguf().Add("llama.attention.sliding_window", 16u);
        ModelFileAssert.LoadFails(Write(w), "unsupported sliding window 16");
        w = _model.Gguf().Add("llama.rope.dimension_count", 4u);
        ModelFileAssert.LoadFails(Write(w), "partial rotary");
    }

    [Fact]
    public void ImpossibleCounts()
    {
        var bytes = _model.Gguf().ToBytes();
        BitConverter.GetBytes(1UL << 60).CopyTo(bytes, 8); // tensor count
        ModelFileAssert.LoadFails(Write(bytes), "1152921504606846976 tensors cannot fit");
    }

    [Fact]
    public void ImpossibleStringLength()
    {
        var bytes = new GgufWriter().Add("general.architecture", "llama").ToBytes();
        BitConverter.GetBytes(1UL << 62).CopyTo(bytes, 24); // length of the first key
        ModelFileAssert.LoadFails(Write(bytes), "truncated");
    }

    [Fact]
    public void ImpossibleArrayLength()
    {
        const string key = "tokenizer.ggml.tokens";
        var bytes = new GgufWriter().Add(key, new[] { "a", "b" }).ToBytes();
        // header 24 + key (8 + its bytes) + value type 4 + element type 4 → the element count.
        BitConverter.GetBytes(1UL << 40).CopyTo(bytes, 24 + 8 + key.Length + 4 + 4);
        string path = Write(bytes);
        ModelFileAssert.Fails(() => GgufFile.Open(path).Dispose(), path, "declares 1099511627776 elements");
    }

    [Fact]
    public void InvalidUtf8Key()
    {
        var bytes = new GgufWriter().Add("ab", 1u).ToBytes();
        bytes[32] = 0xFF; // first byte of the first key
        string path = Write(bytes);
        ModelFileAssert.Fails(() => GgufFile.Open(path).Dispose(), path, "not valid UTF-8");
    }

    [Fact]
    public void NonFiniteNorm()
    {
        var w = _model.Gguf();
        var values = Enumerable.Repeat(1f, _model.Hidden).ToArray();
        values[3] = float.NaN;
        w.AddTensor("output_norm.weight", [_model.Hidden], 0, SafetensorsWriter.F32(values));
        ModelFileAssert.LoadFails(Write(w), "tensor 'output_norm.weight' contains NaN");
    }

    [Fact]
    public void EmptyFile()
    {
        ModelFileAssert.LoadFails(Write([]), "empty");
    }

    [Fact]
    public void InvalidConfigFromMetadata()
    {
        var w = _model.Gguf().Add("llama.attention.head_count_kv", 3u);
        ModelFileAssert.LoadFails(Write(w), "invalid model config", "multiple of num_key_value_heads (3)");
    }
}
