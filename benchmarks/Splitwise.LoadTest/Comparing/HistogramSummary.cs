using System.Globalization;

namespace Splitwise.LoadTest.Comparing;

/// <summary>
/// A Prometheus histogram family reduced to count, sum, mean and quantile estimates (in the family's unit). Series that
/// differ only in labels are added bucket by bucket. Quantiles interpolate linearly inside the bucket that holds the rank,
/// as PromQL's histogram_quantile does, so they are only as fine as the buckets; the mean is exact.
/// </summary>
public sealed record HistogramSummary(string Family, double Count, double Sum, double P50, double P90, double P99)
{
    public double Mean => Count > 0 ? Sum / Count : double.NaN;

    /// <summary>Every histogram family in the samples (one with _bucket, _sum and _count series), by family name.</summary>
    public static Dictionary<string, HistogramSummary> All(IReadOnlyList<PrometheusSample> samples)
    {
        var result = new Dictionary<string, HistogramSummary>(StringComparer.Ordinal);
        foreach (var family in samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels.ContainsKey("le"))
                     .Select(s => s.Name[..^"_bucket".Length]).Distinct())
        {
            var buckets = samples.Where(s => s.Name == family + "_bucket" && s.Labels.ContainsKey("le"))
                .GroupBy(s => ParseBound(s.Labels["le"], family))
                .Select(g => (Bound: g.Key, Cumulative: g.Sum(s => s.Value)))
                .OrderBy(b => b.Bound).ToList();
            double count = samples.Where(s => s.Name == family + "_count").Sum(s => s.Value);
            double sum = samples.Where(s => s.Name == family + "_sum").Sum(s => s.Value);
            result[family] = new HistogramSummary(family, count, sum, Quantile(buckets, 0.5), Quantile(buckets, 0.9), Quantile(buckets, 0.99));
        }
        return result;
    }

    /// <summary>
    /// histogram_quantile over cumulative buckets (ascending upper bounds, the last +Inf): the value at rank q × total,
    /// interpolated from the bucket's lower bound (0 for the first) to its upper bound; a rank in the +Inf bucket
    /// gives the largest finite bound. NaN with no observations.
    /// </summary>
    public static double Quantile(IReadOnlyList<(double Bound, double Cumulative)> buckets, double q)
    {
        if (buckets.Count == 0) return double.NaN;
        double total = buckets[^1].Cumulative;
        if (total <= 0) return double.NaN;
        double rank = q * total;
        for (int i = 0; i < buckets.Count; i++)
        {
            if (buckets[i].Cumulative < rank) continue;
            if (double.IsPositiveInfinity(buckets[i].Bound)) return i > 0 ? buckets[i - 1].Bound : double.NaN;
            double lower = i == 0 ? 0 : buckets[i - 1].Bound;
            double below = i == 0 ? 0 : buckets[i - 1].Cumulative;
            double inBucket = buckets[i].Cumulative - below;
            return inBucket <= 0 ? buckets[i].Bound : lower + (buckets[i].Bound - lower) * (rank - below) / inBucket;
        }
        return buckets[^1].Bound;
    }

    private static double ParseBound(string le, string family) => le == "+Inf" ? double.PositiveInfinity
        : double.TryParse(le, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{family}_bucket: le=\"{le}\" is not a number.");
}
