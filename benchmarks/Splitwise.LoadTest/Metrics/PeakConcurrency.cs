namespace Splitwise.LoadTest.Metrics;

/// <summary>The most requests in flight at once, from their [start, end) intervals.</summary>
public static class PeakConcurrency
{
    public static int Of(IEnumerable<(double Start, double End)> intervals)
    {
        // An end sorts before a start at the same instant: back-to-back requests do not overlap.
        var events = intervals.SelectMany(i => new[] { (i.Start, +1), (i.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2);
        int now = 0, peak = 0;
        foreach (var (_, d) in events)
        {
            now += d;
            peak = Math.Max(peak, now);
        }
        return peak;
    }
}
