using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Splitwise.Kernels.Quant;

/// <summary>
/// IEEE half → float in registers. .NET 10 exposes no vcvtph2ps, so this is the shift-and-rescale trick:
/// move exponent+mantissa up 13 bits and multiply by 2^112, which rebiases normals and turns half subnormals
/// into the right float; Inf/NaN (exponent 31) get the float's all-ones exponent instead. Exact for every input.
/// </summary>
internal static class HalfBits
{
    private const float Rebias = 5.192296858534828e33f; // 2^112

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort h)
    {
        uint em = (uint)(h & 0x7fff) << 13;
        float f = BitConverter.UInt32BitsToSingle(em) * Rebias;
        uint bits = (h & 0x7c00) == 0x7c00 ? em | 0x7f800000u : BitConverter.SingleToUInt32Bits(f);
        return BitConverter.UInt32BitsToSingle(bits | ((uint)(h & 0x8000) << 16));
    }

    /// <summary>16 halves (zero-extended to 32-bit lanes) → 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        var em = (h & Vector512.Create(0x7fffu)) << 13;
        var f = em.AsSingle() * Vector512.Create(Rebias);
        var special = Vector512.Equals(h & Vector512.Create(0x7c00u), Vector512.Create(0x7c00u));
        var bits = Vector512.ConditionalSelect(special, em | Vector512.Create(0x7f800000u), f.AsUInt32());
        return (bits | ((h & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>8 halves (zero-extended to 32-bit lanes) → 8 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var em = (h & Vector256.Create(0x7fffu)) << 13;
        var f = em.AsSingle() * Vector256.Create(Rebias);
        var special = Vector256.Equals(h & Vector256.Create(0x7c00u), Vector256.Create(0x7c00u));
        var bits = Vector256.ConditionalSelect(special, em | Vector256.Create(0x7f800000u), f.AsUInt32());
        return (bits | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>
    /// 16 halves, sign-extended to 32-bit lanes → 16 floats: the decode GEMV's inner loop, where every op counts (an
    /// F16 row must convert at memory speed). Shifting the sign-extended half left 13 puts exponent and mantissa where
    /// the float's go and a copy of the sign in bit 31, so the sign needs no separate extract-and-merge: the
    /// rebiasing multiply carries it, zeros and subnormals included.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FromSignExtended(Vector512<int> h)
    {
        var bits = (h << 13) & Vector512.Create(unchecked((int)0x8FFFE000));
        var f = bits.AsSingle() * Vector512.Create(Rebias);
        var exponent = Vector512.Create(0x0F800000);
        var special = Vector512.Equals(bits & exponent, exponent);
        return Vector512.ConditionalSelect(special, bits | Vector512.Create(0x7F800000), f.AsInt32()).AsSingle();
    }

    /// <summary>8 halves, sign-extended to 32-bit lanes → 8 floats (see the 16-lane overload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FromSignExtended(Vector256<int> h)
    {
        var bits = (h << 13) & Vector256.Create(unchecked((int)0x8FFFE000));
        var f = bits.AsSingle() * Vector256.Create(Rebias);
        var exponent = Vector256.Create(0x0F800000);
        var special = Vector256.Equals(bits & exponent, exponent);
        return Vector256.ConditionalSelect(special, bits | Vector256.Create(0x7F800000), f.AsInt32()).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* p) => FromSignExtended(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load8(ushort* p) => FromSignExtended(Avx2.ConvertToVector256Int32((short*)p));
}
