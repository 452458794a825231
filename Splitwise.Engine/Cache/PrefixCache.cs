namespace Splitwise.Engine.Cache;

/// <summary>
/// Finds full KV blocks whose contents equal a prompt's prefix. Each full block is keyed by a hash chained over
/// all tokens up to its end, and keeps its token ids so a hash collision is caught rather than trusted.
/// Entries live while the block's contents do: the allocator reports a block about to be reused.
/// </summary>
public sealed class PrefixCache
{
    private readonly Dictionary<ulong, int> _byHash = [];
    private readonly ulong[] _hashOf;
    private readonly int[]?[] _tokensOf;

    public PrefixCache(BlockAllocator allocator, int blockSize)
    {
        BlockSize = blockSize;
        _hashOf = new ulong[allocator.BlockCount];
        _tokensOf = new int[allocator.BlockCount][];
        allocator.Reusing = Forget;
    }

    public int BlockSize { get; }
    public long QueriedTokens { get; private set; }
    public long HitTokens { get; private set; }
    public double HitRate => QueriedTokens == 0 ? 0 : (double)HitTokens / QueriedTokens;

    /// <summary>Hash of a block given the hash of everything before it.</summary>
    public static ulong ChainHash(ulong previous, ReadOnlySpan<int> tokens)
    {
        // FNV-1a over the previous hash and the token ids: cheap, and collisions are checked against stored tokens.
        ulong h = 14695981039346656037UL ^ previous;
        foreach (int t in tokens)
        {
            h = (h ^ (uint)t) * 1099511628211UL;
            h = (h ^ ((uint)t >> 16)) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>
    /// The cached blocks holding the longest run of full blocks at the start of <paramref name="tokens"/>,
    /// never covering the last token (whose logits must still be computed).
    /// </summary>
    public List<int> Lookup(ReadOnlySpan<int> tokens)
    {
        var blocks = new List<int>();
        int full = (tokens.Length - 1) / BlockSize;
        ulong hash = 0;
        for (int b = 0; b < full; b++)
        {
            var chunk = tokens.Slice(b * BlockSize, BlockSize);
            hash = ChainHash(hash, chunk);
            if (!_byHash.TryGetValue(hash, out int block) || !chunk.SequenceEqual(_tokensOf[block])) break;
            blocks.Add(block);
        }
        QueriedTokens += tokens.Length;
        HitTokens += blocks.Count * BlockSize;
        return blocks;
    }

    /// <summary>Records that <paramref name="block"/> now holds these tokens, the block after <paramref name="previousHash"/>.</summary>
    public ulong Register(int block, ulong previousHash, ReadOnlySpan<int> tokens)
    {
        ulong hash = ChainHash(previousHash, tokens);
        if (_byHash.TryGetValue(hash, out int existing) && existing != block && _tokensOf[existing] != null) return hash;
        Forget(block);
        _byHash[hash] = block;
        _hashOf[block] = hash;
        _tokensOf[block] = tokens.ToArray();
        return hash;
    }

    private void Forget(int block)
    {
        if (_tokensOf[block] is null) return;
        if (_byHash.TryGetValue(_hashOf[block], out int b) && b == block) _byHash.Remove(_hashOf[block]);
        _tokensOf[block] = null;
    }
}
