namespace Splitwise.LoadTest.Workloads;

/// <summary>Shape of a synthetic length distribution.</summary>
public enum LengthDistribution
{
    Fixed,
    Uniform,
    LogNormal,
}
