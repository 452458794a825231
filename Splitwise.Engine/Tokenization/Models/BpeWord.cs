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

    public int[] ToIds()
    {
        var result = new List<int>(_count);
        for (int i = _count > 0 ? 0 : -1; i >= 0; i = _next[i]) result.Add(_ids[i]);
        return result.ToArray();
    }
}
