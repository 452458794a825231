using Splitwise.Engine.Config;
using Splitwise.Kernels;

namespace Splitwise.Engine.Model;

/// <summary>Scratch tensors for one forward pass, sized for a token capacity and grown (never shrunk) on demand.</summary>
public sealed unsafe class Activations : IDisposable
{
    private readonly ModelConfig _config;
    private NativeBuffer? _buffer;

    public Activations(ModelConfig config) => _config = config;

    public int Capacity { get; private set; }
    /// <summary>Rows of <see cref="Logits"/>: one per sequence that wants logits, far fewer than tokens in a prefill.</summary>
    public int LogitCapacity { get; private set; }
    /// <summary>[T, Hidden] the residual stream.</summary>
    public float* X { get; private set; }
    /// <summary>[T, Hidden] normed input of a block.</summary>
    public float* Normed { get; private set; }
    /// <summary>[T, Heads·HeadDim]</summary>
    public float* Query { get; private set; }
    /// <summary>[T, KvHeads·HeadDim]</summary>
    public float* Key { get; private set; }
    public float* Value { get; private set; }
    /// <summary>[T, Heads·HeadDim] attention output before the o projection.</summary>
    public float* Attention { get; private set; }
    /// <summary>[T, Intermediate]</summary>
    public float* Gate { get; private set; }
    public float* Up { get; private set; }
    /// <summary>[T, Hidden] rows gathered for the classifier.</summary>
    public float* Final { get; private set; }
    /// <summary>[logit rows, Vocab]</summary>
    public float* Logits { get; private set; }

    public void EnsureCapacity(int tokens, int logitRows)
    {
        if (tokens <= Capacity && logitRows <= LogitCapacity) return;
        int capacity = Math.Max(Capacity, Math.Max(tokens, 16));
        int logitCapacity = Math.Max(LogitCapacity, Math.Max(logitRows, 16));
        long h = _config.HiddenSize, q = _config.QueryDim, kv = _config.KvDim, ff = _config.IntermediateSize, v = _config.VocabSize;
        long[] sizes = [h, h, q, kv, kv, q, ff, ff];
        long total = sizes.Sum(s => Align(s * capacity)) + Align(h * logitCapacity) + Align(v * logitCapacity);
        _buffer?.Dispose();
        _buffer = NativeBuffer.Allocate(total * sizeof(float), zero: false);
        var p = (float*)_buffer.Pointer;
        float* Next(long size, int rows) { float* r = p; p += Align(size * rows); return r; }
        X = Next(h, capacity); Normed = Next(h, capacity); Query = Next(q, capacity); Key = Next(kv, capacity); Value = Next(kv, capacity);
        Attention = Next(q, capacity); Gate = Next(ff, capacity); Up = Next(ff, capacity);
        Final = Next(h, logitCapacity); Logits = Next(v, logitCapacity);
        Capacity = capacity;
        LogitCapacity = logitCapacity;
    }

    private static long Align(long floats) => (floats + 15) & ~15L;

    public void Dispose() => _buffer?.Dispose();
}
