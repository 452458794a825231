using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Byte dot products for the quantized kernels. .NET 10 exposes VNNI only as AvxVnni/Avx10v1, which this class of CPU
/// (AVX-512 VNNI without the VEX form) does not report, so these are vpmaddubsw + vpmaddwd pairs. vpmaddubsw saturates
/// at ±32767; the operand ranges used here (|u| ≤ 128, |s| ≤ 127 → 2·128·127 = 32512) never reach it.
/// 256-bit even at the AVX-512 level: Zen 4 runs 512-bit integer ops as two 256-bit halves, so wider buys nothing
/// here but extra shuffles (no 512-bit vpsignb).
/// </summary>
internal static class IntDot
{

    /// <summary>8 int32 partial sums of Σ u·s over 32 byte pairs (u unsigned, s signed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> UnsignedSigned(Vector256<byte> u, Vector256<sbyte> s)
        => Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));

    /// <summary>8 int32 partial sums of Σ a·b over 32 signed byte pairs (the |a|, sign(b, a) trick).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Signed(Vector256<sbyte> a, Vector256<sbyte> b)
        => UnsignedSigned(Avx2.Abs(a), Avx2.Sign(b, a));
}
