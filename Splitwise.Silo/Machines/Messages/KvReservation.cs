using Splitwise.Engine.Sampling;

namespace Splitwise.Silo.Machines.Messages;

/// <summary>Reserve KV blocks on a token machine for a prompt that a prompt machine will prefill.</summary>
public sealed record KvReservation(long RequestId, int[] Prompt, SamplingParams Sampling);

/// <summary>
/// The token machine's answer: <paramref name="Accepted"/> false when its blocks are not free now (try another).
/// <paramref name="KvEndpoint"/> is where the prompt machine sends frames; <paramref name="Lease"/> how long the
/// blocks are held without a frame or a decode order arriving.
/// </summary>
public sealed record KvReservationGrant(bool Accepted, string KvEndpoint, TimeSpan Lease, string? Reason = null);
