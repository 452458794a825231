using Splitwise.Engine.Cache;

namespace Splitwise.Tests.Engine.Scheduling;

public class BlockAllocatorTests
{
    [Fact]
    public void Allocates_every_block_once_then_refuses()
    {
        var a = new BlockAllocator(4);
        var got = Enumerable.Range(0, 4).Select(_ => a.Allocate()).ToList();
        Assert.Equal([0, 1, 2, 3], got.Order());
        Assert.False(a.CanAllocate(1));
        Assert.Throws<InvalidOperationException>(() => a.Allocate());
    }

    [Fact]
    public void Shared_block_is_freed_only_when_its_last_owner_releases_it()
    {
        var a = new BlockAllocator(2);
        int b = a.Allocate();
        a.Retain(b);
        Assert.False(a.Release(b));
        Assert.Equal(1, a.UsedCount);
        Assert.True(a.Release(b));
        Assert.Equal(0, a.UsedCount);
        Assert.Throws<InvalidOperationException>(() => a.Release(b));
    }

    [Fact]
    public void Freed_blocks_are_reused_oldest_first_and_reported_before_reuse()
    {
        var a = new BlockAllocator(3);
        var reused = new List<int>();
        a.Reusing = reused.Add;
        int x = a.Allocate(), y = a.Allocate(), z = a.Allocate();
        a.Release(y);
        a.Release(x);
        Assert.Equal(y, a.Allocate());
        Assert.Equal(x, a.Allocate());
        Assert.Equal([x, y, z, y, x], reused);
    }

    [Fact]
    public void Retaining_a_free_block_takes_it_off_the_free_list()
    {
        var a = new BlockAllocator(2);
        int b = a.Allocate();
        a.Release(b);
        Assert.Equal(2, a.FreeCount);
        a.Retain(b);
        Assert.Equal(1, a.FreeCount);
        Assert.NotEqual(b, a.Allocate());
    }
}
