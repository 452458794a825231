using Splitwise.Engine.Config;
using Splitwise.Kernels;

namespace Splitwise.Engine.Cache;

/// <summary>
/// Physical KV memory: for each layer, separate K and V pools laid out [block][kvHead][slot][headDim].
/// Sequences own blocks through block tables (see <see cref="BlockAllocator"/>); token t of a sequence lives in
/// block table[t / BlockSize], slot t % BlockSize. Keeping a block's heads contiguous lets one layer of one
/// sequence be copied out and in block by block, which is what the prompt→token transfer moves.
/// </summary>
public sealed unsafe class KvCache : IDisposable
{
    private readonly NativeBuffer[] _keys;
    private readonly NativeBuffer[] _values;

    public KvCache(ModelConfig config, int blockCount, int blockSize = 16, KvDataType dataType = KvDataType.F32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        LayerCount = config.LayerCount;
        KvHeadCount = config.KvHeadCount;
        HeadDim = config.HeadDim;
        BlockCount = blockCount;
        BlockSize = blockSize;
        DataType = dataType;
        ElementBytes = dataType == KvDataType.F16 ? 2 : 4;
        BlockElements = (long)KvHeadCount * blockSize * HeadDim;
        _keys = new NativeBuffer[LayerCount];
        _values = new NativeBuffer[LayerCount];
        for (int l = 0; l < LayerCount; l++)
        {
            _keys[l] = NativeBuffer.Allocate(BlockElements * blockCount * ElementBytes, zero: false);
            _values[l] = NativeBuffer.Allocate(BlockElements * blockCount * ElementBytes, zero: false);
        }
    }

    /// <summary>Blocks that fit in <paramref name="budgetBytes"/> for this model (K and V, every layer).</summary>
    public static int BlocksForBudget(ModelConfig config, long budgetBytes, int blockSize, KvDataType dataType)
    {
        long perBlock = BytesPerBlock(config, blockSize, dataType);
        return (int)Math.Max(0, Math.Min(int.MaxValue, budgetBytes / perBlock));
    }

    public static long BytesPerBlock(ModelConfig config, int blockSize, KvDataType dataType)
        => 2L * config.LayerCount * config.KvHeadCount * blockSize * config.HeadDim * (dataType == KvDataType.F16 ? 2 : 4);

    public int LayerCount { get; }
    public int KvHeadCount { get; }
    public int HeadDim { get; }
    public int BlockCount { get; }
    public int BlockSize { get; }
    public KvDataType DataType { get; }
    public int ElementBytes { get; }
    /// <summary>Elements in one block of one layer's K (or V): KvHeadCount × BlockSize × HeadDim.</summary>
    public long BlockElements { get; }
    /// <summary>Bytes of one block of one layer's K (or V).</summary>
    public long BlockBytes => BlockElements * ElementBytes;

    public byte* KeyBase(int layer) => _keys[layer].Pointer;
    public byte* ValueBase(int layer) => _values[layer].Pointer;

    /// <summary>Stores one token's K and V (each [KvHeadCount × HeadDim] fp32) into block/slot of a layer.</summary>
    public void Write(int layer, int block, int slot, float* key, float* value)
    {
        for (int h = 0; h < KvHeadCount; h++)
        {
            long offset = ((long)block * KvHeadCount + h) * BlockSize * HeadDim + (long)slot * HeadDim;
            Store(_keys[layer].Pointer, offset, key + h * HeadDim);
            Store(_values[layer].Pointer, offset, value + h * HeadDim);
        }
    }

    private void Store(byte* pool, long elementOffset, float* src)
    {
        if (DataType == KvDataType.F32)
        {
            new ReadOnlySpan<float>(src, HeadDim).CopyTo(new Span<float>((float*)pool + elementOffset, HeadDim));
        }
        else
        {
            Half* dst = (Half*)pool + elementOffset;
            for (int d = 0; d < HeadDim; d++) dst[d] = (Half)src[d];
        }
    }

    /// <summary>The raw bytes of one block of one layer's K or V (for transfer between caches).</summary>
    public Span<byte> BlockSpan(int layer, int block, bool value)
    {
        if ((uint)block >= (uint)BlockCount) throw new ArgumentOutOfRangeException(nameof(block));
        byte* pool = value ? _values[layer].Pointer : _keys[layer].Pointer;
        return new Span<byte>(pool + block * BlockBytes, checked((int)BlockBytes));
    }

    /// <summary>
    /// Copies one layer of a sequence's first <paramref name="tokenCount"/> tokens from this cache into another
    /// cache of the same shape, block by block, through the two sequences' block tables.
    /// </summary>
    public void CopyLayerTo(KvCache target, int layer, IReadOnlyList<int> sourceBlocks, IReadOnlyList<int> targetBlocks, int tokenCount)
    {
        if (target.BlockSize != BlockSize || target.KvHeadCount != KvHeadCount || target.HeadDim != HeadDim || target.DataType != DataType)
            throw new ArgumentException("KV caches differ in shape or element type.", nameof(target));
        int blocks = (tokenCount + BlockSize - 1) / BlockSize;
        if (sourceBlocks.Count < blocks || targetBlocks.Count < blocks)
            throw new ArgumentException($"{tokenCount} tokens need {blocks} blocks on both sides.");
        for (int b = 0; b < blocks; b++)
        {
            BlockSpan(layer, sourceBlocks[b], value: false).CopyTo(target.BlockSpan(layer, targetBlocks[b], value: false));
            BlockSpan(layer, sourceBlocks[b], value: true).CopyTo(target.BlockSpan(layer, targetBlocks[b], value: true));
        }
    }

    public void Dispose()
    {
        foreach (var b in _keys) b.Dispose();
        foreach (var b in _values) b.Dispose();
    }
}
