namespace Splitwise.Engine.Tokenization.Models;

/// <summary>
/// Hashing for (left id, right id) pairs packed in a long. long.GetHashCode XORs the halves, so pairs of small ids
/// collide in long chains; a multiplicative mix spreads them.
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static readonly PairKeyComparer Instance = new();
    public bool Equals(long x, long y) => x == y;
    public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
}
