namespace Splitwise.LoadTest.Slo;

/// <summary>Slowdown limits at P50, P90 and P99 for TTFT, TBT and E2E. Defaults are Splitwise's: 2/3/6×, 1.25/1.5/5×, 1.25/1.5/5×.</summary>
public sealed record SloLimits(double[] Ttft, double[] Tbt, double[] E2e)
{
    public static SloLimits Splitwise { get; } = new([2, 3, 6], [1.25, 1.5, 5], [1.25, 1.5, 5]);

    public static readonly double[] Percentiles = [50, 90, 99];
}
