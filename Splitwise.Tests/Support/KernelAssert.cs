namespace Splitwise.Tests.Support;

/// <summary>Element-wise comparison with a per-element tolerance; the failure names the op, the case and the index.</summary>
public static class KernelAssert
{
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Func<int, double> tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (e == a) continue;
            double tol = tolerance(i);
            if (!(Math.Abs(e - a) <= tol))
                Assert.Fail($"{what}: index {i}: expected {e:R}, got {a:R}, |diff| {Math.Abs(e - a):G3} > tolerance {tol:G3}");
        }
    }

    /// <summary>|diff| ≤ relative · |expected| + absolute.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
    {
        var e = expected.ToArray();
        Close(expected, actual, i => relative * Math.Abs(e[i]) + absolute, what);
    }
}
