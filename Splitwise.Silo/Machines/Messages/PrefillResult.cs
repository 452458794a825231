using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Silo.Machines.Messages;

/// <summary>
/// The first token of a split request and how long each part took. <paramref name="Finish"/> is set when the first
/// token already ends the request (EOS, a stop id, max_tokens 1): then no decode follows.
/// </summary>
public sealed record PrefillResult(SampledToken FirstToken, FinishReason? Finish, PrefillTiming Timing);

/// <param name="Queued">Arrival at the machine until its prefill started.</param>
/// <param name="Prefill">Prefill compute, first scheduled step to first token.</param>
/// <param name="TransferNonOverlapped">First token sampled until the token machine acknowledged the whole KV.</param>
/// <param name="TransferBytes">KV bytes sent, frame headers included.</param>
public sealed record PrefillTiming(TimeSpan Queued, TimeSpan Prefill, TimeSpan TransferNonOverlapped, long TransferBytes);
