namespace Splitwise.LoadTest.Plotting;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    Line,
    Step,
    Markers,
    LineAndMarkers,
}
