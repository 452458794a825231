using Splitwise.Engine.Sampling;

namespace Splitwise.Silo.Machines.Messages;

/// <summary>Prefill <paramref name="Prompt"/>, sample its first token with <paramref name="Sampling"/>, ship the KV to <paramref name="Handoff"/>.</summary>
public sealed record PrefillOrder(long RequestId, int[] Prompt, SamplingParams Sampling, KvHandoff Handoff);
