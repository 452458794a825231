using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// e^x for the softmax's shifted scores (x ≤ 0), inlined into the attention loop. Vector512.Exp is a call into
/// CoreLib that widens to double; in decode attention it ran once per head per 16 keys and cost about a fifth of the
/// kernel. Here: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r (the classic single-precision
/// minimax coefficients), and 2^n put straight into the exponent bits. Within 2 ulp of MathF.Exp on [-87, 0].
/// </summary>
internal static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;       // ln 2 split in two so n·Ln2High is exact for |n| < 2^11
    private const float Ln2Low = -2.12194440e-4f;
    private const float Smallest = -87.33654f;         // below this e^x is under float's smallest normal: returns 0

    /// <summary>e^x lane by lane for x ≤ 0; lanes below -87.3 (and -∞) give exactly 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> NonPositive(Vector512<float> x)
    {
        var underflow = Vector512.LessThan(x, Vector512.Create(Smallest));
        x = Vector512.Max(x, Vector512.Create(Smallest));
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        var er = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var twoN = ((Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23).AsSingle();
        return Vector512.ConditionalSelect(underflow.AsSingle(), Vector512<float>.Zero, er * twoN);
    }
}
