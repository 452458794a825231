namespace Splitwise.Gateway.Streaming;

/// <summary>
/// Where a split request's time to first token went, hop by hop: waiting on the prompt machine, prefill compute, the
/// part of the KV transfer prefill did not hide, and the token machine's first decode step.
/// </summary>
public sealed record RequestTimeline(TimeSpan Queued, TimeSpan Prefill, TimeSpan TransferNonOverlapped, TimeSpan FirstDecode, long TransferBytes);
