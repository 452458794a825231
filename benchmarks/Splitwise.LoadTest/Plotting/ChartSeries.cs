namespace Splitwise.LoadTest.Plotting;

/// <summary>One legend entry: points drawn as a line, a step line, markers, or both line and markers; optionally on the right axis.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, SeriesStyle Style = SeriesStyle.Line,
    bool RightAxis = false, string? Dash = null, IReadOnlyList<string>? PointLabels = null);
