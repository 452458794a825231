namespace Splitwise.Silo.KvTransfer;

/// <summary>A request's KV did not get across whole (refused, corrupted, cut off, lease expired): recompute it elsewhere.</summary>
public sealed class KvTransferException(string message, long requestId, Exception? inner = null) : Exception(message, inner)
{
    public long RequestId { get; } = requestId;
}
