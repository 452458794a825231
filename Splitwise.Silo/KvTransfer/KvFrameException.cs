namespace Splitwise.Silo.KvTransfer;

/// <summary>A frame that fails validation. <see cref="RequestId"/> is set when the header was sound enough to name the request.</summary>
public sealed class KvFrameException(string message, long? requestId = null) : Exception(message)
{
    public long? RequestId { get; } = requestId;
}
