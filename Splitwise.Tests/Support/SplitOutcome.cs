using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Support;

/// <summary>How one split request ended: its decoded output, or the errors each side reported.</summary>
public sealed record SplitOutcome(SplitRequest Request, IReadOnlyList<int>? Output, KvTransferReport? Report, Exception? SenderError, Exception? ReceiverError)
{
    public bool Succeeded => Output != null;
}
