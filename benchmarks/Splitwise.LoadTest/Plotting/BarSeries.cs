namespace Splitwise.LoadTest.Plotting;

/// <summary>One legend entry of a <see cref="BarChart"/>: a value per category (NaN leaves the bar out).</summary>
public sealed record BarSeries(string Name, string Color, IReadOnlyList<double> Values);
