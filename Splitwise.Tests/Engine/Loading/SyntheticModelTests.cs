using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Kernels;

namespace Splitwise.Tests.Engine.Loading;

public sealed unsafe class SyntheticModelTests
{
    private static IEnumerable<(string Name, WeightMatrix M)> Matrices(LlamaWeights w)
    {
        yield return ("embedding", w.TokenEmbedding);
        for (int i = 0; i < w.Layers.Length; i++)
        {
            var l = w.Layers[i];
            foreach (var (n, m) in new[] { ("q", l.Query), ("k", l.Key), ("v", l.Value), ("o", l.Output), ("gate", l.Gate), ("up", l.Up), ("down", l.Down) })
                yield return ($"{i}.{n}", m);
        }
        yield return ("classifier", w.Classifier);
    }

    private static ReadOnlySpan<byte> Bytes(WeightMatrix m) => new(m.Data, checked((int)m.TotalBytes));

    [Fact]
    public void Tiny_HasTheDeclaredShape()
    {
        using var w = ModelLoader.Load("synthetic:llama-tiny-f32");
        var c = w.Config;
        Assert.Equal((64, 2, 4, 2, 16, 128, 256, 512), (c.HiddenSize, c.LayerCount, c.HeadCount, c.KvHeadCount, c.HeadDim, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings));
        Assert.False(c.TieWordEmbeddings);
        Assert.NotSame(w.TokenEmbedding, w.Classifier);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Equal("synthetic:llama-tiny-f32", w.Source);
        Assert.All(Matrices(w), m => Assert.Equal(WeightType.F32, m.M.Type));
        Assert.Equal((32, 64), (w.Layers[1].Key.Rows, w.Layers[1].Key.Cols));
        Assert.Equal((64, 128), (w.Layers[1].Down.Rows, w.Layers[1].Down.Cols));
        Assert.All(w.Layers, l => Assert.All(l.AttentionNorm, v => Assert.Equal(1f, v)));
        Assert.All(w.FinalNorm, v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData("llama-tiny-f32")]
    [InlineData("llama-tiny-f16")]
    [InlineData("llama-tiny-bf16")]
    [InlineData("llama-tiny-q8_0")]
    [InlineData("llama-tiny-q4_0")]
    [InlineData("llama-small-q4_k")]
    [InlineData("llama-small-q6_k")]
    public void SameNameGivesTheSameBytes_WithSensibleStatistics(string name)
    {
        using var a = SyntheticModel.Build(name);
        using var b = SyntheticModel.Build("synthetic:" + name);
        var first = Matrices(a).ToList();
        var second = Matrices(b).ToList();
        for (int i = 0; i < first.Count; i++)
        {
            var (tensor, m) = first[i];
            Assert.True(Bytes(m).SequenceEqual(Bytes(second[i].M)), $"{name} {tensor} differs between builds");
            Assert.Equal(m.Type, second[i].M.Type);

            var values = Stories260kLoadingTests.Dequantize(m);
            double mean = values.Average(v => (double)v);
            double std = Math.Sqrt(values.Average(v => (double)v * v) - mean * mean);
            double expected = 1 / Math.Sqrt(m.Cols);
            Assert.True(values.All(float.IsFinite), $"{name} {tensor} has non-finite values");
            Assert.InRange(std, expected * 0.85, expected * 1.15);
            Assert.InRange(Math.Abs(mean), 0, expected * 0.2);
        }
        // Different tensors get different streams.
        Assert.False(Bytes(a.Layers[0].Gate).SequenceEqual(Bytes(a.Layers[0].Up)));
        Assert.False(Bytes(a.Layers[0].Gate)[..64].SequenceEqual(Bytes(a.Layers[1].Gate)[..64]));
    }

    [Fact]
    public void DifferentNamesGiveDifferentWeights()
    {
        using var a = SyntheticModel.Build("llama-tiny-q8_0");
        using var b = SyntheticModel.Build("llama-tiny-q4_0");
        var qa = Stories260kLoadingTests.Dequantize(a.Layers[0].Query);
        var qb = Stories260kLoadingTests.Dequantize(b.Layers[0].Query);
        Assert.True(qa.Zip(qb).Count(p => p.First != p.Second) > qa.Length / 2);
    }

    [Theory]
    [InlineData("llama-1b-q8_0", 2048, 16, 32, 8, 8192, 32000, 4096)]
    [InlineData("llama-160m-f16", 768, 12, 12, 4, 2048, 32000, 4096)]
    [InlineData("llama-160m-q8_0", 768, 12, 12, 4, 2048, 32000, 4096)]
    public void NamedShapes_DescribeWithoutAllocating(string name, int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int positions)
    {
        var (c, type) = SyntheticModel.Describe(name);
        Assert.Equal((hidden, layers, heads, kvHeads, ffn, vocab, positions),
            (c.HiddenSize, c.LayerCount, c.HeadCount, c.KvHeadCount, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings));
        Assert.Equal(hidden / heads, c.HeadDim);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(name.EndsWith("f16") ? WeightType.F16 : WeightType.Q8_0, type);
    }

    [Fact]
    public void Model160mQ8_0_BuildsEveryTensorCompletely()
    {
        using var w = ModelLoader.Load("synthetic:llama-160m-q8_0");
        long perLayer = 768L * 768 * 2 + 256L * 768 * 2 + 3L * 768 * 2048;
        Assert.Equal(12 * perLayer + 32000L * 768, w.MatrixParameterCount);
        Assert.Equal(w.MatrixParameterCount / 32 * 34, w.MatrixBytesPerToken);
        Assert.Equal(12 * 7 + 2, w.Owners.Count);
        foreach (var (name, m) in Matrices(w))
        {
            // The last block of every tensor is written (chunking covers the tail) and its scale is the intended one.
            var last = new ReadOnlySpan<byte>(m.Row(m.Rows - 1) + m.RowBytes - 34, 34);
            Assert.True(last[2..].ToArray().Any(b => b != 0), $"{name}: last block is empty");
            Assert.Equal((float)(Half)(1 / MathF.Sqrt(m.Cols) / 73.9f), (float)BitConverter.ToHalf(last[..2]));
        }
    }
}
