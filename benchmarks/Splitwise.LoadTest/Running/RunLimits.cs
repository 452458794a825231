namespace Splitwise.LoadTest.Running;

/// <summary>
/// Bounds of one run. No request is sent after <see cref="Duration"/>; requests still in flight then get <see cref="Drain"/>
/// more before they are cancelled. <see cref="Concurrency"/> caps requests in flight (null: no cap); with
/// <see cref="ClosedLoop"/> it is the number of workers that each send their next request as soon as the last one ends.
/// </summary>
public sealed record RunLimits(TimeSpan Duration, TimeSpan Drain, int? Concurrency, bool ClosedLoop);
