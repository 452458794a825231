using Splitwise.LoadTest.Client;

namespace Splitwise.LoadTest.Metrics;

/// <summary>Per-interval figures over a run's wall-clock time, for the over-time plots.</summary>
public static class TimeSeries
{
    private static readonly double[] NiceWidths = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

    /// <summary>A round bin width giving at most 60 bins over the duration.</summary>
    public static double BinWidth(double durationSeconds) =>
        NiceWidths.FirstOrDefault(w => durationSeconds / w <= 60, NiceWidths[^1]);

    /// <summary>Output tokens per second in each bin, from each successful request's token times (chunk times, weighted so they sum to its usage count).</summary>
    public static (double Start, double Value)[] OutputTokensPerSecond(IReadOnlyList<RequestResult> results, double duration, double width)
    {
        int bins = Math.Max(1, (int)Math.Ceiling(duration / width));
        var sums = new double[bins];
        foreach (var r in results.Where(r => r.Success && r.TokenEvents > 0))
        {
            double weight = (double)r.OutputTokens / r.TokenEvents;
            double t = r.StartSeconds + r.TtftMs / 1000.0;
            Add(t);
            foreach (var gap in r.ItlMs)
            {
                t += gap / 1000.0;
                Add(t);
            }
            void Add(double time) => sums[Math.Clamp((int)(time / width), 0, bins - 1)] += weight;
        }
        return sums.Select((s, i) => (i * width, s / width)).ToArray();
    }

    /// <summary>Requests in flight at each bin start.</summary>
    public static (double Start, double Value)[] InFlight(IReadOnlyList<RequestResult> results, double duration, double width)
    {
        int bins = Math.Max(1, (int)Math.Ceiling(duration / width)) + 1;
        return Enumerable.Range(0, bins).Select(i =>
        {
            double t = i * width;
            return (t, (double)results.Count(r => r.StartSeconds <= t && r.EndSeconds > t));
        }).ToArray();
    }
}
