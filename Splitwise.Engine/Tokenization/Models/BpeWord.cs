namespace Splitwise.Engine.Tokenization.Models;

/// <summary>
/// The symbols of one piece as a linked list, merged in rank order with a priority queue
/// (lowest rank first, leftmost on ties), as Hugging Face's Word::merge_all does.
/// </summary>
internal sealed class BpeWord(int capacity)
{
    private int[] _ids = new int[Math.Max(capacity, 4)];
    private int[] _prev = new int[Math.Max(capacity, 4)];
    private int[] _next = new int[Math.Max(capacity, 4)];
    private bool[] _removed = new bool[Math.Max(capacity, 4)];
    private int _count;

    public void Add(int id)
    {
        if (_count == _ids.Length)
        {
            int n = _count * 2;
            Array.Resize(ref _ids, n); Array.Resize(ref _prev, n); Array.Resize(ref _next, n); Array.Resize(ref _removed, n);
        }
        _ids[_count] = id;
        _prev[_count] = _count - 1;
        _next[_count] = -1;
        if (_count > 0) _next[_count - 1] = _count;
        _count++;
    }

    public void MergeAll(Dictionary<long, (int Rank, int NewId)> merges)
    {
        if (_count < 2) return;
        var queue = new PriorityQueue<(int Pos, int Left, int Right, int NewId), long>();
        for (int i = 0; i + 1 < _count; i++) Push(queue, merges, i, i + 1);
        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            if (_removed[pos] || _ids[pos] != top.Left) continue;
            int right = _next[pos];
            if (right < 0 || _ids[right] != top.Right) continue;
            _ids[pos] = top.NewId;
            _removed[right] = true;
            int after = _next[right];
            _next[pos] = after;
            if (after >= 0) _prev[after] = pos;
            if (_prev[pos] >= 0) Push(queue, merges, _prev[pos], pos);
            if (after >= 0) Push(queue, merges, pos, after);
        }
    }

    private void Push(PriorityQueue<(int, int, int, int), long> queue, Dictionary<long, (int Rank, int NewId)> merges, int left, int right)
    {
        if (merges.TryGetValue(((long)_ids[left] << 32) | (uint)_ids[right], out var m))
            queue.Enqueue((left, _ids[left], _ids[right], m.NewId), ((long)m.Rank << 32) | (uint)left);
    }

    /// <summary>Pieces up to this many symbols merge with <see cref="MergeShort"/>.</summary>
    public const int ShortLimit = 32;

    /// <summary>
    /// Short pieces: repeatedly merge the lowest-ranked adjacent pair, leftmost on ties, in place. The same order
    /// the queue gives, without its allocations; ranks are re-read only next to a merge. Returns the new length.
    /// </summary>
    public static int MergeShort(Span<int> ids, Dictionary<long, (int Rank, int NewId)> merges)
    {
        int n = ids.Length;
        if (n < 2) return n;
        Span<int> ranks = stackalloc int[n];   // ranks[i]: rank of pair (i, i+1); int.MaxValue = no merge
        Span<int> results = stackalloc int[n];
        for (int i = 0; i + 1 < n; i++) Lookup(merges, ids, ranks, results, i);
        ranks[n - 1] = int.MaxValue;
        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < n; i++) if (ranks[i] < bestRank) { bestRank = ranks[i]; best = i; }
            if (best < 0) break;
            ids[best] = results[best];
            for (int k = best + 1; k + 1 < n; k++) { ids[k] = ids[k + 1]; ranks[k] = ranks[k + 1]; results[k] = results[k + 1]; }
            n--;
            ranks[n - 1] = int.MaxValue;
            if (best + 1 < n) Lookup(merges, ids, ranks, results, best);
            if (best > 0) Lookup(merges, ids, ranks, results, best - 1);
        }
        return n;
    }

    private static void Lookup(Dictionary<long, (int Rank, int NewId)> merges, Span<int> ids, Span<int> ranks, Span<int> results, int i)
    {
        if (merges.TryGetValue(((long)ids[i] << 32) | (uint)ids[i + 1], out var m)) { ranks[i] = m.Rank; results[i] = m.NewId; }
        else ranks[i] = int.MaxValue;
    }

    public int[] ToIds()
    {
        var result = new List<int>(_count);
        for (int i = _count > 0 ? 0 : -1; i >= 0; i = _next[i]) result.Add(_ids[i]);
        return result.ToArray();
    }
}
