namespace Splitwise.LoadTest.Metrics;

/// <summary>Summary of one latency metric in milliseconds; all zero when there are no values (Count says so).</summary>
public sealed record LatencyStats(int Count, double Mean, double Median, double P90, double P99, double Max, double Std)
{
    public static LatencyStats From(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new LatencyStats(0, 0, 0, 0, 0, 0, 0);
        double mean = sorted.Average();
        double std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length);
        return new LatencyStats(sorted.Length, mean, Percentile.Of(sorted, 50), Percentile.Of(sorted, 90), Percentile.Of(sorted, 99), sorted[^1], std);
    }
}
