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
    /// <summary>[T, Hidden] output of a projection back into the residual stream.</summary>
    public float* Projected { get; private set; }
    /// <summary>[T, Intermediate]</summary>
    public float* Gate { get; private set; }
    public float* Up { get; private set; }
    /// <summary>[T, Hidden] rows gathered for the classifier.</summary>
    public float* Final { get; private set; }
    /// <summary>[T, Vocab]</summary>
    public float* Logits { get; private set; }

    public void EnsureCapacity(int tokens)
    {
        if (tokens <= Capacity) return;
        int capacity = Math.Max(tokens, Math.Max(16, Capacity * 2));
        long h = _config.HiddenSize, q = _config.QueryDim, kv = _config.KvDim, ff = _config.IntermediateSize, v = _config.VocabSize;
        long[] sizes = [h, h, q, kv, kv, q, h, ff, ff, h, v];
        long total = sizes.Sum(s => Align(s * capacity));
        _buffer?.Dispose();
        _buffer = NativeBuffer.Allocate(total * sizeof(float), zero: false);
        var p = (float*)_buffer.Pointer;
        float* Next(long size) { float* r = p; p += Align(size * capacity); return r; }
        X = Next(h); Normed = Next(h); Query = Next(q); Key = Next(kv); Value = Next(kv); Attention = Next(q);
        Projected = Next(h); Gate = Next(ff); Up = Next(ff); Final = Next(h); Logits = Next(v);
        Capacity = capacity;
    }

    private static long Align(long floats) => (floats + 15) & ~15L;

    public void Dispose() => _buffer?.Dispose();
}
