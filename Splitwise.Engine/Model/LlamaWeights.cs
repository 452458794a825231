using Splitwise.Engine.Config;
using Splitwise.Kernels;

namespace Splitwise.Engine.Model;

/// <summary>
/// Every tensor of a Llama-family model, in its stored encoding (quantized weights stay quantized).
/// Disposing releases the memory-mapped files or buffers the matrices point into.
/// </summary>
public sealed class LlamaWeights : IDisposable
{
    public required ModelConfig Config { get; init; }
    /// <summary>Where the weights came from (a path or synthetic:NAME), for logs and errors.</summary>
    public required string Source { get; init; }
    /// <summary>[VocabSize, HiddenSize]; row t is token t's embedding.</summary>
    public required WeightMatrix TokenEmbedding { get; init; }
    public required LlamaLayerWeights[] Layers { get; init; }
    /// <summary>[HiddenSize]</summary>
    public required float[] FinalNorm { get; init; }
    /// <summary>[VocabSize, HiddenSize]; the same object as <see cref="TokenEmbedding"/> when embeddings are tied.</summary>
    public required WeightMatrix Classifier { get; init; }
    /// <summary>Memory maps and buffers that the matrices point into.</summary>
    public IReadOnlyList<IDisposable> Owners { get; init; } = [];

    /// <summary>Every matrix a forward pass reads whole once per step (the layers' projections, then the classifier), in that order.</summary>
    public IEnumerable<WeightMatrix> MatricesReadPerStep =>
        Layers.SelectMany(l => new[] { l.Query, l.Key, l.Value, l.Output, l.Gate, l.Up, l.Down }).Append(Classifier);

    /// <summary>Bytes of <see cref="MatricesReadPerStep"/>, the decode roofline's numerator.</summary>
    public long MatrixBytesPerToken => MatricesReadPerStep.Sum(m => m.TotalBytes);

    /// <summary>Multiply-accumulates per token in all matrices (2× this is the FLOP count used for prefill rooflines).</summary>
    public long MatrixParameterCount =>
        Layers.Sum(l => (long)l.Query.Rows * l.Query.Cols + (long)l.Key.Rows * l.Key.Cols + (long)l.Value.Rows * l.Value.Cols
                        + (long)l.Output.Rows * l.Output.Cols + (long)l.Gate.Rows * l.Gate.Cols + (long)l.Up.Rows * l.Up.Cols
                        + (long)l.Down.Rows * l.Down.Cols) + (long)Classifier.Rows * Classifier.Cols;

    public void Dispose()
    {
        foreach (var owner in Owners) owner.Dispose();
    }
}
