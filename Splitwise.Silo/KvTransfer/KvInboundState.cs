namespace Splitwise.Silo.KvTransfer;

/// <summary>Where an expected request stands on the receiving side.</summary>
internal enum KvInboundState
{
    Receiving,
    /// <summary>End arrived with every token in place; waiting for Forget (decode started) or the lease.</summary>
    Complete,
    /// <summary>Refused (bad frame, incomplete End, Abort); the machine releases the blocks.</summary>
    Failed,
    /// <summary>Expired or forgotten: no longer in the receiver's table; nothing may touch the blocks.</summary>
    Gone,
}
