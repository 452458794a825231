namespace Splitwise.LoadTest.Plotting;

/// <summary>Where the legend box sits inside the plot area; pick the corner the data leave empty.</summary>
public enum LegendPosition
{
    TopRight,
    TopLeft,
    BottomRight,
}
