using Splitwise.Engine.Config;
using Splitwise.Engine.Model;
using Splitwise.Kernels;
using Splitwise.Kernels.Reference;

namespace Splitwise.Engine.Loading;

/// <summary>
/// Turns a format's tensors into <see cref="LlamaWeights"/>: finds each tensor by name, checks its type and shape
/// against the config, wraps matrices in place (no copy) and decodes norms and biases to float[].
/// Every tensor in the file must be used: a leftover one means the file is not the model the config describes.
/// </summary>
internal sealed unsafe class LlamaWeightsAssembler(
    ModelConfig config, string sourcePath, IReadOnlyDictionary<string, TensorView> tensors, TensorNames names)
{
    private readonly HashSet<string> _used = [];

    /// <summary>Tensors that may be present and are not needed (e.g. HF's rotary inv_freq buffers).</summary>
    public Func<string, bool> Ignorable { get; init; } = _ => false;

    public LlamaWeights Assemble(string source, IReadOnlyList<IDisposable> owners)
    {
        int hidden = config.HiddenSize, ffn = config.IntermediateSize, q = config.QueryDim, kv = config.KvDim;
        var embedding = Matrix(names.Embedding, config.VocabSize, hidden);
        var layers = new LlamaLayerWeights[config.LayerCount];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = new LlamaLayerWeights
            {
                AttentionNorm = Vector(names.Layer(i, LayerPart.AttentionNorm), hidden),
                Query = Matrix(names.Layer(i, LayerPart.Query), q, hidden),
                Key = Matrix(names.Layer(i, LayerPart.Key), kv, hidden),
                Value = Matrix(names.Layer(i, LayerPart.Value), kv, hidden),
                Output = Matrix(names.Layer(i, LayerPart.Output), hidden, q),
                QueryBias = Bias(names.Layer(i, LayerPart.QueryBias), q),
                KeyBias = Bias(names.Layer(i, LayerPart.KeyBias), kv),
                ValueBias = Bias(names.Layer(i, LayerPart.ValueBias), kv),
                FfnNorm = Vector(names.Layer(i, LayerPart.FfnNorm), hidden),
                Gate = Matrix(names.Layer(i, LayerPart.Gate), ffn, hidden),
                Up = Matrix(names.Layer(i, LayerPart.Up), ffn, hidden),
                Down = Matrix(names.Layer(i, LayerPart.Down), hidden, ffn),
            };
        }
        var finalNorm = Vector(names.FinalNorm, hidden);
        var classifier = config.TieWordEmbeddings ? embedding : Matrix(names.Classifier, config.VocabSize, hidden);
        RejectLeftovers();
        return new LlamaWeights
        {
            Config = config,
            Source = source,
            TokenEmbedding = embedding,
            Layers = layers,
            FinalNorm = finalNorm,
            Classifier = classifier,
            Owners = owners,
        };
    }

    private TensorView Find(string name)
    {
        if (!tensors.TryGetValue(name, out var view))
            throw new ModelFileException(sourcePath, $"tensor '{name}' is missing");
        _used.Add(name);
        return view;
    }

    private static WeightType TypeOf(TensorView view) =>
        view.Type ?? throw new ModelFileException(view.FilePath, $"unsupported tensor type {view.TypeName} in tensor '{view.Name}'");

    private static void CheckShape(TensorView view, long[] expected)
    {
        if (!view.Shape.SequenceEqual(expected))
            throw new ModelFileException(view.FilePath,
                $"shape mismatch in tensor '{view.Name}': expected [{string.Join(", ", expected)}] (row-major), found {view.StoredShapeText}");
    }

    private WeightMatrix Matrix(string name, int rows, int cols)
    {
        var view = Find(name);
        var type = TypeOf(view);
        CheckShape(view, [rows, cols]);
        int blockElements = WeightTypeInfo.BlockElements(type);
        if (cols % blockElements != 0)
            throw new ModelFileException(view.FilePath,
                $"tensor '{name}' has rows of {cols} elements, not a whole number of {type} blocks of {blockElements}");
        long need = WeightTypeInfo.RowBytes(type, cols) * rows;
        if (view.ByteLength != need)
            throw new ModelFileException(view.FilePath, $"tensor '{name}' holds {view.ByteLength} bytes, but {type} [{rows}, {cols}] needs {need}");
        return new WeightMatrix(type, rows, cols, view.Data, view.Owner);
    }

    private float[] Vector(string name, int length)
    {
        var view = Find(name);
        return Decode(view, TypeOf(view), length);
    }

    private float[]? Bias(string name, int length)
    {
        if (config.AttentionBias) return Vector(name, length);
        if (tensors.ContainsKey(name))
            throw new ModelFileException(tensors[name].FilePath, $"unexpected tensor '{name}': the config declares no attention bias");
        return null;
    }

    /// <summary>Decodes a 1-D tensor of any stored type into floats (norms and biases are small).</summary>
    public static float[] Decode(TensorView view, WeightType type, int length)
    {
        CheckShape(view, [length]);
        int blockElements = WeightTypeInfo.BlockElements(type);
        if (length % blockElements != 0)
            throw new ModelFileException(view.FilePath, $"tensor '{view.Name}' has {length} elements, not a whole number of {type} blocks of {blockElements}");
        long need = WeightTypeInfo.RowBytes(type, length);
        if (view.ByteLength != need)
            throw new ModelFileException(view.FilePath, $"tensor '{view.Name}' holds {view.ByteLength} bytes, but {type} [{length}] needs {need}");
        var values = new float[length];
        fixed (float* dst = values) ScalarKernels.Dequantize(type, view.Data, dst, length);
        if (!values.All(float.IsFinite))
            throw new ModelFileException(view.FilePath, $"tensor '{view.Name}' contains NaN or infinite values");
        return values;
    }

    private void RejectLeftovers()
    {
        var leftovers = tensors.Keys.Where(n => !_used.Contains(n) && !Ignorable(n)).Order(StringComparer.Ordinal).ToList();
        if (leftovers.Count == 0) return;
        var shown = string.Join(", ", leftovers.Take(5).Select(n => $"'{n}'"));
        string more = leftovers.Count > 5 ? $" and {leftovers.Count - 5} more" : "";
        throw new ModelFileException(sourcePath,
            $"unexpected tensor(s) {shown}{more}: not part of a {config.Architecture} model with {config.LayerCount} layers" +
            (config.TieWordEmbeddings ? " and tied embeddings" : ""));
    }
}
