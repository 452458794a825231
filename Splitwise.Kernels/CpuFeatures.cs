using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Splitwise.Kernels;

/// <summary>The vector width the kernels use, detected once at start-up. SPLITWISE_SIMD=scalar|avx2|avx512 lowers it (tests, comparisons).</summary>
public static class CpuFeatures
{
    public enum SimdLevel { Scalar, Avx2, Avx512 }

    public static SimdLevel Level { get; } = Detect();

    public static bool UseAvx512 => Level == SimdLevel.Avx512;
    public static bool UseAvx2 => Level >= SimdLevel.Avx2;

    private static SimdLevel Detect()
    {
        SimdLevel hw = Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512BW.IsSupported ? SimdLevel.Avx512
            : Avx2.IsSupported && Fma.IsSupported ? SimdLevel.Avx2
            : SimdLevel.Scalar;
        var requested = Environment.GetEnvironmentVariable("SPLITWISE_SIMD")?.Trim().ToLowerInvariant() switch
        {
            "scalar" => SimdLevel.Scalar,
            "avx2" => SimdLevel.Avx2,
            "avx512" => SimdLevel.Avx512,
            _ => hw,
        };
        return requested < hw ? requested : hw;
    }

    /// <summary>For start-up logs and benchmark headers: the SIMD level, the cores, and whether the native VNNI kernels run.</summary>
    public static string Describe() => $"{Level} (cores: {Environment.ProcessorCount}; {Native.NativeKernels.Status})";
}
