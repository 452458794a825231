using System.Security.Cryptography;
using System.Text;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// The connection handshake. A sender opens with a Hello whose payload is HMAC-SHA256 of a fixed label keyed with
/// the cluster secret (empty without a secret), so the secret itself never crosses the wire. A receiver with a
/// secret accepts only the matching proof; one without a secret accepts any Hello. The label is fixed, so a proof
/// seen on the wire could be replayed: this keeps strangers and misconfigured machines out of a cluster network,
/// it is not a defence against an eavesdropper.
/// </summary>
public static class KvHello
{
    private static ReadOnlySpan<byte> Label => "splitwise-kv-hello-v1"u8;

    public static byte[] Proof(string? secret)
        => string.IsNullOrEmpty(secret) ? [] : HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Label);

    public static KvFrame Frame(string? secret) => KvFrame.Hello(Proof(secret));

    /// <summary>Null if <paramref name="hello"/> may connect to a receiver holding <paramref name="secret"/>, else why not.</summary>
    public static string? Refusal(KvFrame hello, string? secret)
    {
        if (hello.Kind != KvFrameKind.Hello) return $"expected a Hello frame first, got {hello.Kind}";
        if (string.IsNullOrEmpty(secret)) return null;
        if (hello.Payload.IsEmpty) return "cluster secret required: the peer sent no proof";
        return CryptographicOperations.FixedTimeEquals(hello.Payload.Span, Proof(secret)) ? null : "cluster secret mismatch";
    }
}
