namespace Splitwise.LoadTest.Plotting;

/// <summary>A dashed guide across the plot at a value of the x axis (vertical) or the left y axis (horizontal), with a label.</summary>
public sealed record ReferenceLine(double Value, string Label, string Color, bool Vertical);
