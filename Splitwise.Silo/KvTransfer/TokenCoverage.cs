namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// Which prompt tokens of each (layer, KV head) have arrived, as merged intervals: frames may come in any order,
/// overlap, or split a layer by heads, and End is acknowledged only when every cell holds [0, prompt tokens).
/// </summary>
internal sealed class TokenCoverage(int layerCount, int headCount, int tokenCount)
{
    // Per (layer, head): sorted, disjoint, non-adjacent [start, end) intervals. Usually one, growing.
    private readonly List<(int Start, int End)>?[] _cells = new List<(int, int)>?[layerCount * headCount];

    public void Add(int layer, int headStart, int heads, int tokenStart, int tokenEnd)
    {
        for (int h = headStart; h < headStart + heads; h++)
        {
            var cell = _cells[layer * headCount + h] ??= [];
            int start = tokenStart, end = tokenEnd, i = 0;
            while (i < cell.Count && cell[i].End < start) i++;
            while (i < cell.Count && cell[i].Start <= end)
            {
                start = Math.Min(start, cell[i].Start);
                end = Math.Max(end, cell[i].End);
                cell.RemoveAt(i);
            }
            cell.Insert(i, (start, end));
        }
    }

    /// <summary>Null when every token of every layer and head is in, else the first gap in words.</summary>
    public string? FirstGap()
    {
        for (int layer = 0; layer < layerCount; layer++)
            for (int h = 0; h < headCount; h++)
            {
                var cell = _cells[layer * headCount + h];
                if (cell is [(0, var end)] && end >= tokenCount) continue;
                int have = cell?.Sum(c => c.End - c.Start) ?? 0;
                return $"layer {layer}, KV head {h} has {have} of {tokenCount} prompt tokens";
            }
        return null;
    }
}
