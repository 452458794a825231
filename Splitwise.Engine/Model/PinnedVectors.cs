using Splitwise.Kernels;

namespace Splitwise.Engine.Model;

/// <summary>
/// Unmanaged copies of a model's small vectors (norm weights, biases), so kernels can take stable pointers to them
/// without pinning managed arrays on every call.
/// </summary>
internal sealed unsafe class PinnedVectors : IDisposable
{
    private readonly NativeBuffer _buffer;
    private readonly long[] _offsets;
    private const int PerLayer = 5; // attention norm, FFN norm, q, k, v biases

    public PinnedVectors(LlamaWeights weights)
    {
        var arrays = new List<float[]?>();
        foreach (var l in weights.Layers) arrays.AddRange([l.AttentionNorm, l.FfnNorm, l.QueryBias, l.KeyBias, l.ValueBias]);
        arrays.Add(weights.FinalNorm);
        _offsets = new long[arrays.Count];
        long total = 0;
        for (int i = 0; i < arrays.Count; i++)
        {
            _offsets[i] = total;
            total += ((arrays[i]?.Length ?? 0) + 15) & ~15;
        }
        _buffer = NativeBuffer.Allocate(total * sizeof(float));
        for (int i = 0; i < arrays.Count; i++)
            arrays[i]?.CopyTo(new Span<float>((float*)_buffer.Pointer + _offsets[i], arrays[i]!.Length));
    }

    private float* At(int index) => (float*)_buffer.Pointer + _offsets[index];

    public float* AttentionNorm(int layer) => At(layer * PerLayer);
    public float* FfnNorm(int layer) => At(layer * PerLayer + 1);
    public float* QueryBias(int layer) => At(layer * PerLayer + 2);
    public float* KeyBias(int layer) => At(layer * PerLayer + 3);
    public float* ValueBias(int layer) => At(layer * PerLayer + 4);
    public float* FinalNorm => At(_offsets.Length - 1);

    public void Dispose() => _buffer.Dispose();
}
