using Splitwise.Engine.Sampling;

namespace Splitwise.Silo.Machines.Messages;

/// <summary>Decode a reserved request on from the first token the prompt machine sampled.</summary>
public sealed record DecodeOrder(long RequestId, SampledToken FirstToken);
