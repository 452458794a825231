namespace Splitwise.LoadTest.Slo;

/// <summary>One metric's slowdowns at P50/P90/P99 against its limits.</summary>
public sealed record SloCheck(string Metric, int Count, double[] Observed, double[] Limits)
{
    /// <summary>True when every percentile is within its limit; false also when no request could be judged.</summary>
    public bool Passed => Count > 0 && Observed.Zip(Limits).All(p => p.First <= p.Second);
}
