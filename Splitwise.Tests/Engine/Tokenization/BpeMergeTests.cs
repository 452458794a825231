using Splitwise.Engine.Tokenization.Models;

namespace Splitwise.Tests.Engine.Tokenization;

public class BpeMergeTests
{
    /// <summary>The in-place short merge and the priority-queue merge apply merges in the same order.</summary>
    [Fact]
    public void Short_merge_equals_queue_merge_on_random_words()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 300; trial++)
        {
            // A random merge table over 6 base symbols with colliding ranks avoided, so order matters.
            var merges = new Dictionary<long, (int Rank, int NewId)>(PairKeyComparer.Instance);
            int nextId = 6, rank = 0;
            for (int k = 0; k < 40; k++)
            {
                int a = random.Next(nextId), b = random.Next(nextId);
                long key = ((long)a << 32) | (uint)b;
                if (merges.TryAdd(key, (rank, nextId))) { rank++; nextId++; }
            }
            var word = Enumerable.Range(0, random.Next(1, BpeWord.ShortLimit + 1)).Select(_ => random.Next(6)).ToArray();
            var queue = new BpeWord(word.Length);
            foreach (var id in word) queue.Add(id);
            queue.MergeAll(merges);
            var span = word.ToArray();
            int n = BpeWord.MergeShort(span, merges);
            Assert.Equal(queue.ToIds(), span[..n]);
        }
    }
}
