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

    /// <summary>Bytes a token range of one layer takes in the transfer layout of <see cref="CopyTokensOut"/>: K and V, each [tokens, heads, HeadDim].</summary>
    public long TokenRangeBytes(int tokenCount, int headCount) => 2L * tokenCount * headCount * HeadDim * ElementBytes;

    /// <summary>
    /// Copies tokens [<paramref name="tokenStart"/>, +<paramref name="tokenCount"/>) and KV heads
    /// [<paramref name="headStart"/>, +<paramref name="headCount"/>) of one layer of a sequence (through its block table)
    /// into <paramref name="destination"/> in the transfer layout: all of K, then all of V, each token-major
    /// [token][head][dim] in this cache's element type. The prompt machine fills a frame's payload with this.
    /// </summary>
    public void CopyTokensOut(int layer, IReadOnlyList<int> blockTable, int tokenStart, int tokenCount, int headStart, int headCount, Span<byte> destination)
    {
        int rowBytes = CheckTokenRange(layer, blockTable, tokenStart, tokenCount, headStart, headCount, destination.Length);
        long half = (long)tokenCount * headCount * rowBytes;
        CopyRange(_keys[layer].Pointer, blockTable, tokenStart, tokenCount, headStart, headCount, destination[..(int)half], toCache: false);
        CopyRange(_values[layer].Pointer, blockTable, tokenStart, tokenCount, headStart, headCount, destination[(int)half..], toCache: false);
    }

    /// <summary>
    /// The inverse of <see cref="CopyTokensOut"/>: writes a payload in the transfer layout into the token range and
    /// heads of one layer of the sequence with <paramref name="blockTable"/>. The token machine lands frames with this.
    /// </summary>
    public void CopyTokensIn(int layer, IReadOnlyList<int> blockTable, int tokenStart, int tokenCount, int headStart, int headCount, ReadOnlySpan<byte> source)
    {
        int rowBytes = CheckTokenRange(layer, blockTable, tokenStart, tokenCount, headStart, headCount, source.Length);
        long half = (long)tokenCount * headCount * rowBytes;
        fixed (byte* src = source)
        {
            // One copier for both directions: the span is only read when copying into the cache.
            var keys = new Span<byte>(src, (int)half);
            var values = new Span<byte>(src + half, (int)half);
            CopyRange(_keys[layer].Pointer, blockTable, tokenStart, tokenCount, headStart, headCount, keys, toCache: true);
            CopyRange(_values[layer].Pointer, blockTable, tokenStart, tokenCount, headStart, headCount, values, toCache: true);
        }
    }

    private int CheckTokenRange(int layer, IReadOnlyList<int> blockTable, int tokenStart, int tokenCount, int headStart, int headCount, int bufferBytes)
    {
        if ((uint)layer >= (uint)LayerCount) throw new ArgumentOutOfRangeException(nameof(layer), $"Layer {layer} is outside 0..{LayerCount - 1}.");
        if (tokenStart < 0 || tokenCount <= 0) throw new ArgumentOutOfRangeException(nameof(tokenCount), $"Token range {tokenStart}+{tokenCount} is empty or negative.");
        if (headStart < 0 || headCount <= 0 || headStart + headCount > KvHeadCount)
            throw new ArgumentOutOfRangeException(nameof(headCount), $"Heads {headStart}+{headCount} are outside the cache's {KvHeadCount} KV heads.");
        long lastBlock = ((long)tokenStart + tokenCount - 1) / BlockSize;
        if (lastBlock >= blockTable.Count)
            throw new ArgumentException($"Tokens up to {tokenStart + tokenCount} need {lastBlock + 1} blocks; the block table has {blockTable.Count}.", nameof(blockTable));
        for (long b = tokenStart / BlockSize; b <= lastBlock; b++)
            if ((uint)blockTable[(int)b] >= (uint)BlockCount)
                throw new ArgumentException($"Block {blockTable[(int)b]} at table index {b} is outside the cache's {BlockCount} blocks.", nameof(blockTable));
        long expected = TokenRangeBytes(tokenCount, headCount);
        if (bufferBytes != expected)
            throw new ArgumentException($"The buffer has {bufferBytes} bytes; {tokenCount} tokens × {headCount} heads × {HeadDim} dims of K and V take {expected}.");
        return HeadDim * ElementBytes;
    }

    private void CopyRange(byte* pool, IReadOnlyList<int> blockTable, int tokenStart, int tokenCount, int headStart, int headCount, Span<byte> buffer, bool toCache)
    {
        int rowBytes = HeadDim * ElementBytes;
        long headStride = (long)BlockSize * rowBytes;
        fixed (byte* buf = buffer)
        {
            byte* row = buf;
            for (int t = tokenStart; t < tokenStart + tokenCount; t++)
            {
                byte* slot = pool + blockTable[t / BlockSize] * BlockBytes + (long)(t % BlockSize) * rowBytes;
                for (int h = headStart; h < headStart + headCount; h++, row += rowBytes)
                {
                    byte* cell = slot + h * headStride;
                    if (toCache) Buffer.MemoryCopy(row, cell, rowBytes, rowBytes);
                    else Buffer.MemoryCopy(cell, row, rowBytes, rowBytes);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var b in _keys) b.Dispose();
        foreach (var b in _values) b.Dispose();
    }
}
