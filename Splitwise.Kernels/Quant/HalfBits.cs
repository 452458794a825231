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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* p) => ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load8(ushort* p) => ToSingle(Avx2.ConvertToVector256Int32(p).AsUInt32());
}
