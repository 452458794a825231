using Splitwise.Engine.Cache;

namespace Splitwise.Tests.Engine.Scheduling;

public class PrefixCacheTests
{
    [Fact]
    public void Finds_registered_full_blocks_but_never_the_last_token()
    {
        var allocator = new BlockAllocator(8);
        var cache = new PrefixCache(allocator, blockSize: 4);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        int b0 = allocator.Allocate(), b1 = allocator.Allocate();
        ulong h = cache.Register(b0, 0, tokens.AsSpan(0, 4));
        cache.Register(b1, h, tokens.AsSpan(4, 4));

        Assert.Equal([b0, b1], cache.Lookup(tokens));
        Assert.Equal([b0], cache.Lookup(tokens.AsSpan(0, 8))); // the 8th token must still be computed
        Assert.Empty(cache.Lookup([9, 2, 3, 4, 5]));
    }

    [Fact]
    public void A_block_reused_for_other_contents_is_forgotten()
    {
        var allocator = new BlockAllocator(1);
        var cache = new PrefixCache(allocator, blockSize: 2);
        int b = allocator.Allocate();
        cache.Register(b, 0, [7, 8]);
        allocator.Release(b);
        Assert.Equal([b], cache.Lookup([7, 8, 9]));
        allocator.Allocate(); // reuse
        Assert.Empty(cache.Lookup([7, 8, 9]));
    }

    [Fact]
    public void Same_block_contents_after_a_different_prefix_do_not_match()
    {
        var allocator = new BlockAllocator(4);
        var cache = new PrefixCache(allocator, blockSize: 2);
        int a = allocator.Allocate(), b = allocator.Allocate();
        ulong h = cache.Register(a, 0, [1, 1]);
        cache.Register(b, h, [5, 5]);
        Assert.Empty(cache.Lookup([2, 2, 5, 5, 0]));
        Assert.True(cache.HitRate == 0);
    }
}
