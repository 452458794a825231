namespace Splitwise.Gateway.Metrics;

/// <summary>A Prometheus histogram: cumulative bucket counts, a sum and a count, safe to observe from any thread.</summary>
public sealed class Histogram(double[] upperBounds)
{
    private readonly long[] _counts = new long[upperBounds.Length + 1];
    private readonly object _sumLock = new();
    private double _sum;

    public static double[] LatencyBuckets { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];

    public IReadOnlyList<double> UpperBounds => upperBounds;
    public long Count => Interlocked.Read(ref _counts[^1]) + Enumerable.Range(0, upperBounds.Length).Sum(i => Interlocked.Read(ref _counts[i]));
    public double Sum { get { lock (_sumLock) return _sum; } }

    public void Observe(double value)
    {
        int i = Array.FindIndex(upperBounds, b => value <= b);
        Interlocked.Increment(ref _counts[i < 0 ? upperBounds.Length : i]);
        lock (_sumLock) _sum += value;
    }

    /// <summary>Cumulative counts per bucket, the last being +Inf.</summary>
    public long[] Cumulative()
    {
        var result = new long[_counts.Length];
        long running = 0;
        for (int i = 0; i < _counts.Length; i++) result[i] = running += Interlocked.Read(ref _counts[i]);
        return result;
    }
}
