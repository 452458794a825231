using System.Security.Cryptography;
using System.Text;

namespace Splitwise.Silo.Wire;

/// <summary>
/// The shared secret gateway and silos prove to each other on every control call, in a header. Compared in
/// constant time over SHA-256 digests, so neither the content nor the length of the expected secret leaks.
/// </summary>
public static class ClusterSecret
{
    public const string HeaderName = "X-Splitwise-Secret";

    public static bool Matches(string? given, string expected)
    {
        if (given is null) return false;
        Span<byte> a = stackalloc byte[32], b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(given), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
