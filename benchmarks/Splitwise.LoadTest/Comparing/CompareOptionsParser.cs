namespace Splitwise.LoadTest.Comparing;

/// <summary>Parses `compare A/result.json B/result.json --out DIR [--labels A,B] [--metrics A.txt,B.txt] [--metric-match S1,S2]`; problems are a <see cref="FormatException"/> naming the flag.</summary>
public static class CompareOptionsParser
{
    public const string Usage = """
        Splitwise.LoadTest compare A/result.json B/result.json --out DIR [--labels A,B] [--metrics A.txt,B.txt] [--metric-match S1,S2,...]

          Puts two runs side by side: TTFT, TPOT, ITL and E2E at P50/P90/P99, throughput and failures, with ratios B/A,
          CDFs of both runs on one chart and a percentile bar chart. Writes comparison.md, comparison.json and SVGs to DIR.
          --labels A,B             names of the two runs (default A,B)
          --metrics A.txt,B.txt    Prometheus text scraped from each target; its histograms are summarized per run
          --metric-match S1,...    also list counters and gauges whose names contain one of these
        """;

    public static CompareOptions Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        string? outDir = null, labels = null, metrics = null, match = null;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new FormatException($"{flag} needs a value.");
                return args[++i];
            }
            switch (flag)
            {
                case "--out": outDir = Value(); break;
                case "--labels": labels = Value(); break;
                case "--metrics": metrics = Value(); break;
                case "--metric-match": match = Value(); break;
                default:
                    if (flag.StartsWith("--", StringComparison.Ordinal)) throw new FormatException($"unknown option {flag} for compare.");
                    positional.Add(flag);
                    break;
            }
        }
        if (positional.Count != 2) throw new FormatException($"compare takes exactly two result.json files, got {positional.Count}.");
        if (outDir == null) throw new FormatException("compare needs --out DIR.");
        var (labelA, labelB) = labels == null ? ("A", "B") : Pair(labels, "--labels");
        if (labelA == labelB) throw new FormatException($"--labels: the two labels must differ, got '{labelA}' twice.");
        var (metricsA, metricsB) = metrics == null ? ((string?)null, (string?)null) : Pair(metrics, "--metrics");
        return new CompareOptions
        {
            ResultA = positional[0],
            ResultB = positional[1],
            LabelA = labelA,
            LabelB = labelB,
            OutDir = outDir,
            MetricsA = metricsA,
            MetricsB = metricsB,
            MetricMatch = match == null ? [] : match.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    private static (string, string) Pair(string value, string flag)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts.Any(p => p.Length == 0)) throw new FormatException($"{flag} takes two comma-separated values (A,B), got '{value}'.");
        return (parts[0], parts[1]);
    }
}
