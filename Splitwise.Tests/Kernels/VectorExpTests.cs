using System.Runtime.Intrinsics;
using Splitwise.Kernels.Cpu;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The attention's inlined e^x against MathF.Exp (the scalar reference) over the softmax's domain, x ≤ 0.
/// Tolerance: 4 ulp relative (the polynomial's stated error is 2 ulp); exactly 0 below float's normal range and at
/// -∞ (masked slots must weigh nothing, even against NaN values), exactly 1 at 0.
/// </summary>
public class VectorExpTests
{
    [Fact]
    public void Matches_MathF_Exp_on_the_softmax_domain()
    {
        var random = new Random(7);
        var xs = new float[4096];
        for (int i = 0; i < xs.Length; i++)
            xs[i] = i switch
            {
                < 16 => -i * 0.0625f,                                   // near 0, where most weights sit
                < 1024 => (float)(-random.NextDouble() * 10),            // typical score gaps
                _ => (float)(-random.NextDouble() * 87.3),                // down to the edge of the normal range
            };
        for (int i = 0; i < xs.Length; i += 16)
        {
            var got = VectorExp.NonPositive(Vector512.Create(xs.AsSpan(i, 16)));
            for (int lane = 0; lane < 16; lane++)
            {
                float x = xs[i + lane], expected = MathF.Exp(x), value = got[lane];
                float ulp = MathF.BitIncrement(expected) - expected;
                Assert.True(Math.Abs(value - expected) <= 4 * ulp, $"exp({x}) = {value}, expected {expected} (±4 ulp = {4 * ulp})");
            }
        }
    }

    [Fact]
    public void Is_exactly_one_at_zero_and_zero_below_the_normal_range()
    {
        var got = VectorExp.NonPositive(Vector512.Create(0f, -87.5f, -100f, float.NegativeInfinity, -1e30f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, -87.3f));
        Assert.Equal(1f, got[0]);
        for (int lane = 1; lane <= 4; lane++) Assert.Equal(0f, got[lane]);
        Assert.True(got[15] > 0 && Math.Abs(got[15] - MathF.Exp(-87.3f)) <= 4 * (MathF.BitIncrement(MathF.Exp(-87.3f)) - MathF.Exp(-87.3f)));
    }
}
