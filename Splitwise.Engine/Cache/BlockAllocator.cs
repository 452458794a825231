namespace Splitwise.Engine.Cache;

/// <summary>
/// Hands out KV block ids with reference counts (shared prefix blocks have several owners).
/// Ask-then-act: callers check <see cref="CanAllocate"/> before <see cref="Allocate"/>, so a failed
/// allocation never leaves a sequence half-built. Not thread-safe: one machine's scheduler owns it.
/// </summary>
public sealed class BlockAllocator
{
    private readonly int[] _refCounts;
    private readonly Stack<int> _free;

    public BlockAllocator(int blockCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockCount);
        BlockCount = blockCount;
        _refCounts = new int[blockCount];
        _free = new Stack<int>(Enumerable.Range(0, blockCount).Reverse());
    }

    public int BlockCount { get; }
    public int FreeCount => _free.Count;
    public int UsedCount => BlockCount - _free.Count;

    public bool CanAllocate(int blocks) => blocks <= _free.Count;

    public int Allocate()
    {
        if (_free.Count == 0) throw new InvalidOperationException("No free KV blocks; check CanAllocate first.");
        int id = _free.Pop();
        _refCounts[id] = 1;
        return id;
    }

    /// <summary>Adds an owner to a block already in use (prefix sharing).</summary>
    public void Retain(int block)
    {
        if (_refCounts[block] <= 0) throw new InvalidOperationException($"Block {block} is free; it cannot be shared.");
        _refCounts[block]++;
    }

    /// <summary>Drops one owner; the block returns to the free list when none remain. Returns true if freed.</summary>
    public bool Release(int block)
    {
        if (_refCounts[block] <= 0) throw new InvalidOperationException($"Block {block} released more often than allocated.");
        if (--_refCounts[block] > 0) return false;
        _free.Push(block);
        return true;
    }

    public int RefCount(int block) => _refCounts[block];
}
