using Splitwise.Engine.Config;
using Splitwise.Engine.Loading;
using Splitwise.Kernels;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>GGUF files written in the test: K-quants, Qwen2 biases, llama3 rope factors, version 2, metadata typing.</summary>
public sealed unsafe class GgufModelTests
{
    private static ReadOnlySpan<byte> Bytes(WeightMatrix m) => new(m.Data, (int)m.TotalBytes);

    [Fact]
    public void KQuantTensors_LoadInPlaceAndStayQuantized()
    {
        var model = new TinyLlamaFiles { Hidden = 256, Heads = 4, KvHeads = 2, Ffn = 512, Layers = 2, Vocab = 8 };
        // Q4_K everywhere except ffn_down and the classifier in Q6_K, as llama.cpp's Q4_K_M mixes them.
        var writer = model.Gguf(name => name.Contains("ffn_down") || name == "output.weight" ? 14u : 12u);
        using var dir = new TempDirectory();
        string path = dir.Path("kquant.gguf");
        writer.Write(path);

        using var w = ModelLoader.Load(path);
        Assert.Equal(WeightType.Q4_K, w.TokenEmbedding.Type);
        Assert.NotSame(w.TokenEmbedding, w.Classifier);
        Assert.Equal(WeightType.Q6_K, w.Classifier.Type);
        foreach (var l in w.Layers)
        {
            Assert.All(new[] { l.Query, l.Key, l.Value, l.Output, l.Gate, l.Up }, m => Assert.Equal(WeightType.Q4_K, m.Type));
            Assert.Equal(WeightType.Q6_K, l.Down.Type);
            Assert.Equal((256, 512), (l.Down.Rows, l.Down.Cols));
        }
        // The stored blocks are used as they are in the file.
        Assert.True(Bytes(w.Layers[1].Query).SequenceEqual(writer.GetTensor("blk.1.attn_q.weight").Data));
        Assert.True(Bytes(w.Layers[0].Down).SequenceEqual(writer.GetTensor("blk.0.ffn_down.weight").Data));
        Assert.True(Bytes(w.Classifier).SequenceEqual(writer.GetTensor("output.weight").Data));
        Assert.Equal(144 * 2 * 256L, w.Layers[0].Gate.TotalBytes);
        Assert.False(w.Config.TieWordEmbeddings);
        Assert.Equal(RopeLayout.Interleaved, w.Config.RopeLayout);
        Assert.Equal(500000f, w.Config.RopeTheta);
        Assert.Equal(1e-6f, w.Config.RmsNormEps);
        Assert.Equal(128, w.Config.MaxPositionEmbeddings);
    }

    [Theory]
    [InlineData(1u, WeightType.F16)]
    [InlineData(30u, WeightType.BF16)]
    [InlineData(8u, WeightType.Q8_0)]
    [InlineData(2u, WeightType.Q4_0)]
    public void FloatAndBlockTypes_MapToWeightTypes(uint ggmlType, WeightType expected)
    {
        var model = new TinyLlamaFiles();
        var writer = model.Gguf(_ => ggmlType);
        using var dir = new TempDirectory();
        writer.Write(dir.Path("m.gguf"));
        using var w = ModelLoader.Load(dir.Path("m.gguf"));
        Assert.Equal(expected, w.Layers[0].Up.Type);
        Assert.True(Bytes(w.Layers[0].Up).SequenceEqual(writer.GetTensor("blk.0.ffn_up.weight").Data));
    }

    [Fact]
    public void Qwen2_ReadsBiasesAndUsesRotateHalf()
    {
        var model = new TinyLlamaFiles { Architecture = "qwen2", Tied = true };
        var writer = model.Gguf();
        writer.Add("tokenizer.ggml.eos_token_id", 151643u).Add("tokenizer.ggml.eot_token_id", 151645u);
        using var dir = new TempDirectory();
        writer.Write(dir.Path("qwen.gguf"));
        using var w = ModelLoader.Load(dir.Path("qwen.gguf"));
        Assert.Equal("qwen2", w.Config.Architecture);
        Assert.True(w.Config.AttentionBias);
        Assert.Equal(RopeLayout.RotateHalf, w.Config.RopeLayout);
        Assert.True(w.Config.TieWordEmbeddings);
        Assert.Same(w.TokenEmbedding, w.Classifier);
        Assert.Equal([151643, 151645], w.Config.EosTokenIds);
        var expected = new float[model.KvDim];
        Buffer.BlockCopy(writer.GetTensor("blk.1.attn_k.bias").Data, 0, expected, 0, expected.Length * 4);
        Assert.Equal(expected, w.Layers[1].KeyBias);
        Assert.Equal(model.Hidden, w.Layers[0].QueryBias!.Length);
        Assert.Equal(model.KvDim, w.Layers[0].ValueBias!.Length);
    }

    [Fact]
    public void RopeFreqsTensor_BecomesRopeFrequencyFactors()
    {
        var model = new TinyLlamaFiles();
        var writer = model.Gguf();
        var factors = Enumerable.Range(0, model.HeadDim / 2).Select(i => 1f + i).ToArray();
        writer.AddTensor("rope_freqs.weight", [model.HeadDim / 2], 0, SafetensorsWriter.F32(factors));
        using var dir = new TempDirectory();
        writer.Write(dir.Path("m.gguf"));
        using var w = ModelLoader.Load(dir.Path("m.gguf"));
        Assert.Equal(factors, w.Config.RopeFrequencyFactors);
    }

    [Fact]
    public void Version2AndCustomAlignment_Load()
    {
        var writer = new TinyLlamaFiles().Gguf();
        writer.Version = 2;
        writer.Alignment = 64;
        using var dir = new TempDirectory();
        writer.Write(dir.Path("v2.gguf"));
        using var g = GgufFile.Open(dir.Path("v2.gguf"));
        Assert.Equal(2u, g.Version);
        Assert.Equal(64, g.Alignment);
        Assert.Equal(0, g.DataOffset % 64);
        using var w = ModelLoader.Load(dir.Path("v2.gguf"));
        Assert.True(Bytes(w.Layers[0].Key).SequenceEqual(writer.GetTensor("blk.0.attn_k.weight").Data));
    }

    [Fact]
    public void Metadata_UsesNaturalDotNetTypes()
    {
        var writer = new GgufWriter()
            .Add("u8", (byte)200).Add("i8", (sbyte)-5).Add("u16", (ushort)60000).Add("i16", (short)-300)
            .Add("u32", 4_000_000_000u).Add("i32", -7).Add("f32", 1.5f).Add("b", true).Add("s", "héllo ▁")
            .Add("u64", ulong.MaxValue).Add("i64", long.MinValue).Add("f64", 2.25)
            .Add("a.s", new[] { "a", "", "ü" }).Add("a.f", new[] { 1f, -2f }).Add("a.i", new[] { 3, -4 })
            .Add("a.u", new[] { 5u }).Add("a.l", new[] { 6L }).Add("a.b", new[] { true, false }).Add("a.u8", new byte[] { 1, 2 })
            .Add("a.nested", new object[] { new[] { 1, 2 }, new[] { "x" } });
        using var dir = new TempDirectory();
        writer.Write(dir.Path("meta.gguf"));
        using var g = GgufFile.Open(dir.Path("meta.gguf"));
        var m = g.Metadata;
        Assert.Equal((byte)200, Assert.IsType<byte>(m["u8"]));
        Assert.Equal((sbyte)-5, Assert.IsType<sbyte>(m["i8"]));
        Assert.Equal((ushort)60000, Assert.IsType<ushort>(m["u16"]));
        Assert.Equal((short)-300, Assert.IsType<short>(m["i16"]));
        Assert.Equal(4_000_000_000u, Assert.IsType<uint>(m["u32"]));
        Assert.Equal(-7, Assert.IsType<int>(m["i32"]));
        Assert.Equal(1.5f, Assert.IsType<float>(m["f32"]));
        Assert.True(Assert.IsType<bool>(m["b"]));
        Assert.Equal("héllo ▁", Assert.IsType<string>(m["s"]));
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(m["u64"]));
        Assert.Equal(long.MinValue, Assert.IsType<long>(m["i64"]));
        Assert.Equal(2.25, Assert.IsType<double>(m["f64"]));
        Assert.Equal(["a", "", "ü"], Assert.IsType<string[]>(m["a.s"]));
        Assert.Equal([1f, -2f], Assert.IsType<float[]>(m["a.f"]));
        Assert.Equal([3, -4], Assert.IsType<int[]>(m["a.i"]));
        Assert.Equal([5u], Assert.IsType<uint[]>(m["a.u"]));
        Assert.Equal([6L], Assert.IsType<long[]>(m["a.l"]));
        Assert.Equal([true, false], Assert.IsType<bool[]>(m["a.b"]));
        Assert.Equal([1, 2], Assert.IsType<byte[]>(m["a.u8"]));
        var nested = Assert.IsType<object[]>(m["a.nested"]);
        Assert.Equal([1, 2], Assert.IsType<int[]>(nested[0]));
        Assert.Equal(["x"], Assert.IsType<string[]>(nested[1]));
        Assert.Empty(g.Tensors);
        Assert.Equal(-7L, g.GetInteger("i32"));
        Assert.Equal(4_000_000_000L, g.GetInteger("u32"));
        Assert.Null(g.GetInteger("missing"));
    }
}
