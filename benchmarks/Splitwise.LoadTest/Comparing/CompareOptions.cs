namespace Splitwise.LoadTest.Comparing;

/// <summary>The `compare` verb's settings: two runs' result.json files (A is the reference, B the candidate), their labels and the output folder.</summary>
public sealed record CompareOptions
{
    /// <summary>result.json of the reference run (ratios are B / A). Required.</summary>
    public required string ResultA { get; init; }

    /// <summary>result.json of the candidate run. Required.</summary>
    public required string ResultB { get; init; }

    /// <summary>Default "A" and "B"; `--labels mixed,split` names them.</summary>
    public string LabelA { get; init; } = "A";
    public string LabelB { get; init; } = "B";

    /// <summary>Folder for comparison.md, comparison.json and the SVGs. Required.</summary>
    public required string OutDir { get; init; }

    /// <summary>Optional Prometheus text scraped from each target after its run (`--metrics A.txt,B.txt`); default none.</summary>
    public string? MetricsA { get; init; }
    public string? MetricsB { get; init; }

    /// <summary>Counters and gauges whose names contain one of these are listed beside the histograms; default none (histograms only).</summary>
    public IReadOnlyList<string> MetricMatch { get; init; } = [];
}
