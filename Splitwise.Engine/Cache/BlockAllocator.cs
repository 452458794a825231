namespace Splitwise.Engine.Cache;

/// <summary>
/// Hands out KV block ids with reference counts (shared prefix blocks have several owners).
/// Freed blocks join the tail of the free list and keep their contents, so a prefix-cached block can be revived
/// until it is handed out again, oldest first. Ask-then-act: callers check <see cref="CanAllocate"/> before
/// <see cref="Allocate"/>, so a failed allocation never leaves a sequence half-built. Not thread-safe: one
/// machine's scheduler owns it.
/// </summary>
public sealed class BlockAllocator
{
    private const int None = -1;
    private readonly int[] _refCounts;
    private readonly int[] _next;
    private readonly int[] _prev;
    private int _head = None, _tail = None;

    public BlockAllocator(int blockCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockCount);
        BlockCount = blockCount;
        _refCounts = new int[blockCount];
        _next = new int[blockCount];
        _prev = new int[blockCount];
        for (int b = 0; b < blockCount; b++) Append(b);
    }

    /// <summary>Called with a free block's id just before it is reused for new contents.</summary>
    public Action<int>? Reusing { get; set; }

    public int BlockCount { get; }
    public int FreeCount { get; private set; }
    public int UsedCount => BlockCount - FreeCount;

    public bool CanAllocate(int blocks) => blocks <= FreeCount;

    public int Allocate()
    {
        if (_head == None) throw new InvalidOperationException("No free KV blocks; check CanAllocate first.");
        int block = _head;
        Unlink(block);
        Reusing?.Invoke(block);
        _refCounts[block] = 1;
        return block;
    }

    /// <summary>Adds an owner to a block; a free block (cached contents) is taken off the free list.</summary>
    public void Retain(int block)
    {
        if (_refCounts[block]++ == 0) Unlink(block);
    }

    /// <summary>Drops one owner; the block joins the free list when none remain. Returns true if freed.</summary>
    public bool Release(int block)
    {
        if (_refCounts[block] <= 0) throw new InvalidOperationException($"Block {block} released more often than allocated.");
        if (--_refCounts[block] > 0) return false;
        Append(block);
        return true;
    }

    public int RefCount(int block) => _refCounts[block];

    private void Append(int block)
    {
        _prev[block] = _tail;
        _next[block] = None;
        if (_tail != None) _next[_tail] = block; else _head = block;
        _tail = block;
        FreeCount++;
    }

    private void Unlink(int block)
    {
        int p = _prev[block], n = _next[block];
        if (p != None) _next[p] = n; else _head = n;
        if (n != None) _prev[n] = p; else _tail = p;
        _prev[block] = _next[block] = None;
        FreeCount--;
    }
}
