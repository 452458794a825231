using System.Globalization;
using System.Text;

namespace Splitwise.LoadTest.Comparing;

/// <summary>Markdown tables of what each target reported about itself: its histograms summarized, and the counters and gauges asked for.</summary>
public static class ServerMetricsTable
{
    public static string Build(IReadOnlyList<PrometheusSample> a, IReadOnlyList<PrometheusSample> b, string labelA, string labelB, IReadOnlyList<string> match)
    {
        var sb = new StringBuilder();
        var ha = HistogramSummary.All(a);
        var hb = HistogramSummary.All(b);
        var families = ha.Keys.Union(hb.Keys).Where(f => Count(ha, f) > 0 || Count(hb, f) > 0).Order(StringComparer.Ordinal).ToList();
        if (families.Count > 0)
        {
            sb.AppendLine("Histograms with observations (families in seconds are shown in ms; P50/P90/P99 are bucket estimates, the mean is exact):").AppendLine();
            sb.AppendLine("| histogram | run | count | mean | P50 | P90 | P99 |").AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var f in families)
            {
                double scale = f.EndsWith("_seconds", StringComparison.Ordinal) ? 1000 : 1;
                foreach (var (label, set) in new[] { (labelA, ha), (labelB, hb) })
                {
                    if (!set.TryGetValue(f, out var h) || h.Count == 0)
                    {
                        sb.AppendLine($"| `{f}` | {label} | 0 | | | | |");
                        continue;
                    }
                    sb.AppendLine($"| `{f}` | {label} | {N(h.Count)} | {N(h.Mean * scale)} | {N(h.P50 * scale)} | {N(h.P90 * scale)} | {N(h.P99 * scale)} |");
                }
            }
            sb.AppendLine();
        }

        if (match.Count > 0)
        {
            var histogramParts = families.SelectMany(f => new[] { f + "_bucket", f + "_sum", f + "_count" }).ToHashSet(StringComparer.Ordinal);
            bool Wanted(PrometheusSample s) => !histogramParts.Contains(s.Name) && match.Any(m => s.Name.Contains(m, StringComparison.Ordinal));
            var va = a.Where(Wanted).GroupBy(s => s.Key()).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
            var vb = b.Where(Wanted).GroupBy(s => s.Key()).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
            var keys = va.Keys.Union(vb.Keys).Order(StringComparer.Ordinal).ToList();
            if (keys.Count > 0)
            {
                sb.AppendLine($"Counters and gauges matching {string.Join(", ", match.Select(m => $"`{m}`"))} (a dash: the target did not report it):").AppendLine();
                sb.AppendLine($"| series | {labelA} | {labelB} |").AppendLine("|---|---:|---:|");
                foreach (var k in keys)
                    sb.AppendLine($"| `{k}` | {(va.TryGetValue(k, out var x) ? N(x) : "–")} | {(vb.TryGetValue(k, out var y) ? N(y) : "–")} |");
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static double Count(Dictionary<string, HistogramSummary> set, string family) => set.TryGetValue(family, out var h) ? h.Count : 0;

    internal static string N(double v) => double.IsNaN(v) ? "n/a"
        : Math.Abs(v) >= 1e6 ? v.ToString("0.###e0", CultureInfo.InvariantCulture)
        : v == Math.Floor(v) ? v.ToString("0", CultureInfo.InvariantCulture)
        : v.ToString(Math.Abs(v) >= 100 ? "0.#" : Math.Abs(v) >= 1 ? "0.##" : "0.####", CultureInfo.InvariantCulture);
}
