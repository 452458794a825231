using Splitwise.Engine.Config;
using Splitwise.Engine.Model;
using Splitwise.Kernels;

namespace Splitwise.Engine.Loading;

/// <summary>
/// A legacy llama2.c checkpoint (.bin): seven int32 — dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size
/// (negative when the classifier is stored separately at the end), seq_len — then fp32 tensors, each stacked over
/// layers: token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1 (gate), w2 (down), w3 (up), rms_final,
/// freq_cis_real and freq_cis_imag (unused: RoPE is recomputed), [wcls]. q/k rows are in Meta's interleaved order.
/// </summary>
public static unsafe class Llama2cCheckpoint
{
    private const int HeaderBytes = 7 * sizeof(int);
    /// <summary>The versioned llama2.c export format starts with "ak42"; only the legacy one is read.</summary>
    private const uint VersionedMagic = 0x616b3432;

    public static LlamaWeights Load(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return Load(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static LlamaWeights Load(MappedFile file)
    {
        string path = file.FilePath;
        var r = file.Reader();
        if (file.Length >= 4 && *(uint*)file.Pointer == VersionedMagic)
            throw new ModelFileException(path, "unsupported llama2.c export version (magic \"ak42\"); only the legacy header-and-fp32 format is read");
        int dim = r.I32("the header"), hiddenDim = r.I32("the header"), layers = r.I32("the header"), heads = r.I32("the header"),
            kvHeads = r.I32("the header"), vocab = r.I32("the header"), seqLen = r.I32("the header");
        bool tied = vocab > 0;
        vocab = Math.Abs(vocab);
        if (dim <= 0 || hiddenDim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
            || dim % heads != 0 || heads % kvHeads != 0 || dim / heads % 2 != 0)
            throw new ModelFileException(path,
                $"bad header: dim {dim}, hidden_dim {hiddenDim}, n_layers {layers}, n_heads {heads}, n_kv_heads {kvHeads}, vocab_size {vocab}, seq_len {seqLen} is not a valid model (not a llama2.c checkpoint?)");
        int headSize = dim / heads;
        int kvDim = kvHeads * headSize;

        var config = new ModelConfig
        {
            Architecture = "llama",
            HiddenSize = dim,
            IntermediateSize = hiddenDim,
            LayerCount = layers,
            HeadCount = heads,
            KvHeadCount = kvHeads,
            HeadDim = headSize,
            VocabSize = vocab,
            MaxPositionEmbeddings = seqLen,
            RmsNormEps = 1e-5f,
            RopeTheta = 10000f,
            RopeLayout = RopeLayout.Interleaved,
            TieWordEmbeddings = tied,
            BosTokenId = 1,
            EosTokenIds = [2],
        };

        // Lay out every tensor first so the file size can be checked exactly before anything is read.
        var tensors = new Dictionary<string, TensorView>(StringComparer.Ordinal);
        var names = TensorNames.HuggingFace;
        long offset = HeaderBytes;
        void Add(string name, params long[] shape)
        {
            long elements = shape.Aggregate(1L, (a, b) => checked(a * b));
            if (name.Length > 0)
            {
                tensors[name] = new TensorView
                {
                    Name = name, Type = WeightType.F32, TypeName = "fp32", Shape = shape,
                    StoredShapeText = $"[{string.Join(", ", shape)}]",
                    Data = offset + elements * 4 <= file.Length ? file.Pointer + offset : null,
                    ByteLength = elements * 4, FilePath = path, Owner = file,
                };
            }
            offset = checked(offset + elements * 4);
        }
        void PerLayer(LayerPart part, params long[] shape)
        {
            for (int l = 0; l < layers; l++) Add(names.Layer(l, part), shape);
        }
        try
        {
            AddAll();
        }
        catch (OverflowException)
        {
            throw new ModelFileException(path, $"bad header: dim {dim}, hidden_dim {hiddenDim}, n_layers {layers}, vocab_size {vocab}, seq_len {seqLen} imply an impossibly large file");
        }
        void AddAll()
        {
            Add(names.Embedding, vocab, dim);
            PerLayer(LayerPart.AttentionNorm, dim);
            PerLayer(LayerPart.Query, dim, dim);
            PerLayer(LayerPart.Key, kvDim, dim);
            PerLayer(LayerPart.Value, kvDim, dim);
            PerLayer(LayerPart.Output, dim, dim);
            PerLayer(LayerPart.FfnNorm, dim);
            PerLayer(LayerPart.Gate, hiddenDim, dim);
            PerLayer(LayerPart.Down, dim, hiddenDim);
            PerLayer(LayerPart.Up, hiddenDim, dim);
            Add(names.FinalNorm, dim);
            Add("", seqLen, headSize / 2); // freq_cis_real
            Add("", seqLen, headSize / 2); // freq_cis_imag
            if (!tied) Add(names.Classifier, vocab, dim);
        }

        if (offset != file.Length)
            throw new ModelFileException(path, offset > file.Length
                ? $"truncated file: the header (dim {dim}, {layers} layers, vocab {vocab}, seq_len {seqLen}) needs {offset} bytes, the file has {file.Length}"
                : $"the header (dim {dim}, {layers} layers, vocab {vocab}, seq_len {seqLen}) accounts for {offset} bytes, but the file has {file.Length}: not a legacy llama2.c checkpoint, or a different shape");
        return new LlamaWeightsAssembler(config, path, tensors, names).Assemble(path, [file]);
    }
}
