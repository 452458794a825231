namespace Splitwise.Kernels.Cpu;

/// <summary>
/// One layer of a paged KV cache as attention reads it: K and V pools laid out [block][kvHead][slot][headDim],
/// fp32 or fp16 elements.
/// </summary>
public readonly unsafe struct PagedKvView(byte* keys, byte* values, int kvHeadCount, int headDim, int blockSize, bool f16)
{
    public byte* Keys { get; } = keys;
    public byte* Values { get; } = values;
    public int KvHeadCount { get; } = kvHeadCount;
    public int HeadDim { get; } = headDim;
    public int BlockSize { get; } = blockSize;
    public bool F16 { get; } = f16;
    public int ElementBytes => F16 ? 2 : 4;

    /// <summary>Element offset of (block, kvHead, slot 0).</summary>
    public long Offset(int block, int kvHead) => ((long)block * KvHeadCount + kvHead) * BlockSize * HeadDim;
}
