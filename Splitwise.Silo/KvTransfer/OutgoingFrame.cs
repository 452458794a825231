using System.Buffers;

namespace Splitwise.Silo.KvTransfer;

/// <summary>A frame on its way out, with the pooled array behind its payload (returned once it is written or dropped).</summary>
internal readonly record struct OutgoingFrame(KvOutboundTransfer Transfer, KvFrame Frame, byte[]? Rented)
{
    public void Release()
    {
        if (Rented != null) ArrayPool<byte>.Shared.Return(Rented);
    }
}
