using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Support;

/// <summary>One split request in a <see cref="KvSplitRig"/>: the token-side reservation and the prompt-side prefill.</summary>
public sealed class SplitRequest(GoldenCase c, Sequence reserved, Sequence prefill, long handoffId)
{
    public GoldenCase Case { get; } = c;
    public Sequence Reserved { get; } = reserved;
    public Sequence Prefill { get; } = prefill;
    /// <summary>The id frames carry: normally the reservation's, a different one to aim at a request the receiver does not expect.</summary>
    public long HandoffId { get; } = handoffId;
    public Task<KvTransferReport>? Sent { get; set; }
}
