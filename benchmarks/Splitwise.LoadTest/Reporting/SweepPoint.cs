using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Slo;

namespace Splitwise.LoadTest.Reporting;

/// <summary>One rate of a sweep and what it achieved.</summary>
public sealed record SweepPoint(double OfferedRate, RunSummary Summary, IReadOnlyList<SloCheck>? Slo);
