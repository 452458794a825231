namespace Splitwise.LoadTest.Comparing;

/// <summary>One metric of both runs, e.g. ("ITL", "P99", "ms", 210, 95). <see cref="Ratio"/> is B / A, NaN when A is zero or a side has no samples.</summary>
public sealed record ComparisonRow(string Metric, string Statistic, string Unit, double A, double B, bool LowerIsBetter = true)
{
    public double Ratio => A != 0 && double.IsFinite(A) && double.IsFinite(B) ? B / A : double.NaN;
}
