using Splitwise.Engine.Config;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Kernels;
using Splitwise.Kernels.Reference;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>The shared stories260K model in all its formats: config values, stored types, and cross-format agreement.</summary>
public sealed unsafe class Stories260kLoadingTests
{
    private static string Gguf(string type) => SharedData.Path("models", "stories260k", "gguf", $"stories260k-{type}.gguf");
    private static string Llama2c => SharedData.Path("models", "stories260k", "llama2c", "stories260K.bin");

    private static void AssertStoriesShape(ModelConfig c, RopeLayout layout)
    {
        Assert.Equal("llama", c.Architecture);
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(172, c.IntermediateSize);
        Assert.Equal(5, c.LayerCount);
        Assert.Equal(8, c.HeadCount);
        Assert.Equal(4, c.KvHeadCount);
        Assert.Equal(8, c.HeadDim);
        Assert.Equal(512, c.VocabSize);
        Assert.Equal(512, c.MaxPositionEmbeddings);
        Assert.Equal(1e-5f, c.RmsNormEps);
        Assert.Equal(10000f, c.RopeTheta);
        Assert.Null(c.RopeScaling);
        Assert.Null(c.RopeFrequencyFactors);
        Assert.True(c.TieWordEmbeddings);
        Assert.False(c.AttentionBias);
        Assert.Equal(layout, c.RopeLayout);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
    }

    private static void AssertTypes(LlamaWeights w, WeightType matrix, WeightType down)
    {
        Assert.Same(w.TokenEmbedding, w.Classifier);
        Assert.Equal(matrix, w.TokenEmbedding.Type);
        Assert.Equal((512, 64), (w.TokenEmbedding.Rows, w.TokenEmbedding.Cols));
        Assert.Equal(5, w.Layers.Length);
        foreach (var l in w.Layers)
        {
            Assert.All(new[] { l.Query, l.Key, l.Value, l.Output, l.Gate, l.Up }, m => Assert.Equal(matrix, m.Type));
            Assert.Equal(down, l.Down.Type);
            Assert.Equal((64, 64), (l.Query.Rows, l.Query.Cols));
            Assert.Equal((32, 64), (l.Key.Rows, l.Key.Cols));
            Assert.Equal((32, 64), (l.Value.Rows, l.Value.Cols));
            Assert.Equal((64, 64), (l.Output.Rows, l.Output.Cols));
            Assert.Equal((172, 64), (l.Gate.Rows, l.Gate.Cols));
            Assert.Equal((172, 64), (l.Up.Rows, l.Up.Cols));
            Assert.Equal((64, 172), (l.Down.Rows, l.Down.Cols));
            Assert.Equal(64, l.AttentionNorm.Length);
            Assert.Equal(64, l.FfnNorm.Length);
            Assert.Null(l.QueryBias);
        }
        Assert.Equal(64, w.FinalNorm.Length);
    }

    internal static float[] Dequantize(WeightMatrix m)
    {
        var values = new float[m.Rows * m.Cols];
        fixed (float* p = values) ScalarKernels.Dequantize(m.Type, m.Data, p, values.Length);
        return values;
    }

    private static IEnumerable<(string Name, WeightMatrix A, WeightMatrix B)> Matrices(LlamaWeights a, LlamaWeights b)
    {
        yield return ("embedding", a.TokenEmbedding, b.TokenEmbedding);
        for (int i = 0; i < a.Layers.Length; i++)
        {
            LlamaLayerWeights x = a.Layers[i], y = b.Layers[i];
            yield return ($"{i}.q", x.Query, y.Query);
            yield return ($"{i}.k", x.Key, y.Key);
            yield return ($"{i}.v", x.Value, y.Value);
            yield return ($"{i}.o", x.Output, y.Output);
            yield return ($"{i}.gate", x.Gate, y.Gate);
            yield return ($"{i}.up", x.Up, y.Up);
            yield return ($"{i}.down", x.Down, y.Down);
        }
    }

    /// <summary>The README's permutation: HF row j of a head = interleaved row 2j, HF row j + d/2 = row 2j + 1.</summary>
    private static float[] InterleavedToRotateHalf(float[] rows, int rowCount, int cols, int headDim)
    {
        var result = new float[rows.Length];
        int half = headDim / 2;
        for (int r = 0; r < rowCount; r++)
        {
            int head = r / headDim, within = r % headDim;
            int hfRow = head * headDim + (within % 2 == 0 ? within / 2 : within / 2 + half);
            Array.Copy(rows, r * cols, result, hfRow * cols, cols);
        }
        return result;
    }

    [Fact]
    public void HfDirectory_LoadsConfigAndF32TensorsInPlace()
    {
        using var w = ModelLoader.Load(SharedData.Stories260K);
        AssertStoriesShape(w.Config, RopeLayout.RotateHalf);
        AssertTypes(w, WeightType.F32, WeightType.F32);
        Assert.Single(w.Owners);
        var mapped = Assert.IsType<MappedFile>(w.Owners[0]);
        // Matrices point into the mapping: no copies.
        Assert.True(w.Layers[4].Down.Data > mapped.Pointer && w.Layers[4].Down.Data + w.Layers[4].Down.TotalBytes <= mapped.Pointer + mapped.Length);
        Assert.Same(mapped, w.Layers[0].Query.Owner);
    }

    [Fact]
    public void HfDirectory_ConfigPathAndSafetensorsPathLoadTheSameModel()
    {
        using var dir = ModelLoader.Load(SharedData.Stories260K);
        using var config = ModelLoader.Load(SharedData.Path("models", "stories260k", "config.json"));
        using var st = ModelLoader.Load(SharedData.Path("models", "stories260k", "model.safetensors"));
        Assert.Equal(dir.Config with { EosTokenIds = [] }, config.Config with { EosTokenIds = [] });
        Assert.Equal(dir.Layers[2].FfnNorm, st.Layers[2].FfnNorm);
        Assert.Equal(Dequantize(dir.Layers[3].Up), Dequantize(config.Layers[3].Up));
    }

    [Theory]
    [InlineData("f32", WeightType.F32, WeightType.F32)]
    [InlineData("f16", WeightType.F16, WeightType.F16)]
    [InlineData("q8_0", WeightType.Q8_0, WeightType.F32)]
    [InlineData("q4_0", WeightType.Q4_0, WeightType.F32)]
    public void Gguf_LoadsConfigAndKeepsStoredTypes(string file, WeightType matrix, WeightType down)
    {
        using var w = ModelLoader.Load(Gguf(file));
        AssertStoriesShape(w.Config, RopeLayout.Interleaved);
        AssertTypes(w, matrix, down);
    }

    [Fact]
    public void GgufF32_QueryAndKeyRowsAreTheSafetensorsRowsInterleaved_AllElseBitForBit()
    {
        using var hf = ModelLoader.Load(SharedData.Stories260K);
        using var gguf = ModelLoader.Load(Gguf("f32"));
        foreach (var (name, a, b) in Matrices(hf, gguf))
        {
            var expected = Dequantize(a);
            var actual = Dequantize(b);
            if (name.EndsWith(".q") || name.EndsWith(".k"))
            {
                Assert.NotEqual(expected, actual); // the orders differ for real
                actual = InterleavedToRotateHalf(actual, b.Rows, b.Cols, 8);
            }
            Assert.True(expected.SequenceEqual(actual), $"matrix {name} differs");
        }
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(hf.Layers[i].AttentionNorm, gguf.Layers[i].AttentionNorm);
            Assert.Equal(hf.Layers[i].FfnNorm, gguf.Layers[i].FfnNorm);
        }
        Assert.Equal(hf.FinalNorm, gguf.FinalNorm);
    }

    [Fact]
    public void Llama2cCheckpoint_EqualsGgufF32BitForBit()
    {
        using var bin = ModelLoader.Load(Llama2c);
        using var gguf = ModelLoader.Load(Gguf("f32"));
        AssertStoriesShape(bin.Config, RopeLayout.Interleaved);
        AssertTypes(bin, WeightType.F32, WeightType.F32);
        foreach (var (name, a, b) in Matrices(bin, gguf))
            Assert.True(new ReadOnlySpan<byte>(a.Data, (int)a.TotalBytes).SequenceEqual(new ReadOnlySpan<byte>(b.Data, (int)b.TotalBytes)), $"matrix {name} differs");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(gguf.Layers[i].AttentionNorm, bin.Layers[i].AttentionNorm);
            Assert.Equal(gguf.Layers[i].FfnNorm, bin.Layers[i].FfnNorm);
        }
        Assert.Equal(gguf.FinalNorm, bin.FinalNorm);
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("q8_0")]
    [InlineData("q4_0")]
    public void QuantizedGguf_DequantizesCloseToF32(string file)
    {
        using var f32 = ModelLoader.Load(Gguf("f32"));
        using var q = ModelLoader.Load(Gguf(file));
        foreach (var (name, a, b) in Matrices(f32, q))
        {
            var exact = Dequantize(a);
            var approx = Dequantize(b);
            for (int block = 0; block < exact.Length / 32 * 32; block += 32)
            {
                float max = 0;
                for (int j = 0; j < 32; j++) max = MathF.Max(max, MathF.Abs(exact[block + j]));
                // Rounding error bound per format: fp16 half an ulp; Q8_0 half a step d = max/127; Q4_0 one step d = max/8
                // (the clamp at q = 15); plus the fp16 rounding of d itself, times the largest code (127 resp. 8).
                for (int j = 0; j < 32; j++)
                {
                    float x = exact[block + j], err = MathF.Abs(approx[block + j] - x);
                    float bound = file switch
                    {
                        "f16" => MathF.Abs(x) / 2048f + 1e-7f,
                        "q8_0" => max / 127f * (0.5f + 127f / 2048f) + 1e-6f,
                        _ => max / 8f * (1f + 8f / 2048f) + 1e-6f,
                    };
                    Assert.True(err <= bound, $"{file} {name}[{block + j}]: {approx[block + j]} vs {x} (bound {bound})");
                }
            }
        }
    }

    [Fact]
    public void GgufFile_ExposesHeaderMetadataAndTensorInfos()
    {
        using var g = GgufFile.Open(Gguf("q8_0"));
        Assert.Equal(3u, g.Version);
        Assert.Equal(32, g.Alignment);
        Assert.Equal(0, g.DataOffset % 32);
        Assert.Equal("llama", g.Architecture);
        Assert.IsType<uint>(g.Metadata["general.alignment"]);
        Assert.Equal(7L, g.GetInteger("general.file_type"));
        Assert.Equal(512L, g.GetInteger("llama.context_length"));
        Assert.Equal(10000.0, g.GetReal("llama.rope.freq_base"));
        var tokens = Assert.IsType<string[]>(g.Metadata["tokenizer.ggml.tokens"]);
        Assert.Equal(512, tokens.Length);
        Assert.Equal("<s>", tokens[1]);
        Assert.Equal("<0x00>", tokens[3]);
        Assert.Equal(512, Assert.IsType<float[]>(g.Metadata["tokenizer.ggml.scores"]).Length);
        var types = Assert.IsType<int[]>(g.Metadata["tokenizer.ggml.token_type"]);
        Assert.Equal(3, types[1]);
        Assert.Equal(6, types[3]);
        Assert.Equal("llama", g.GetString("tokenizer.ggml.model"));
        Assert.True((bool)g.Metadata["tokenizer.ggml.add_bos_token"]);

        Assert.Equal(47, g.Tensors.Count);
        Assert.True(g.TryGetTensor("blk.0.attn_k.weight", out var k));
        Assert.Equal([64L, 32L], k.Dimensions);
        Assert.Equal([32L, 64L], k.RowMajorShape);
        Assert.Equal("Q8_0", k.TypeName);
        Assert.Equal(8u, k.TypeId);
        Assert.Equal(32 * 2 * 34L, k.ByteLength);
        Assert.True(g.TryGetTensor("blk.0.ffn_down.weight", out var down));
        Assert.Equal(WeightType.F32, down.WeightType);
        Assert.Equal([172L, 64L], down.Dimensions);
        Assert.False(g.TryGetTensor("output.weight", out _));
    }
}
