namespace Splitwise.Tests.Support;

/// <summary>Damage <see cref="FaultyKvTransport"/> can do to one frame.</summary>
public enum KvFault
{
    /// <summary>One payload byte flipped: the header is sound, the payload checksum fails.</summary>
    CorruptPayload,
    /// <summary>Only the header and half the payload go out; the next frame follows straight after.</summary>
    Truncate,
    /// <summary>One byte of the request id flipped: the header checksum fails, so the frame cannot be attributed.</summary>
    CorruptHeader,
}
