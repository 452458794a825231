namespace Splitwise.LoadTest.Metrics;

/// <summary>Percentiles by linear interpolation between closest ranks (numpy's default, which vllm bench uses).</summary>
public static class Percentile
{
    /// <param name="sorted">Ascending values; must not be empty.</param>
    /// <param name="p">0..100.</param>
    public static double Of(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) throw new ArgumentException("No values.", nameof(sorted));
        double rank = p / 100.0 * (sorted.Count - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
