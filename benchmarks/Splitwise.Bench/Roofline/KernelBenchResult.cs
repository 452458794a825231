using Splitwise.Kernels;

namespace Splitwise.Bench.Roofline;

/// <summary>One matrix shape of one weight type: decode GEMV (n = 1) against bandwidth, prefill GEMM against the FMA peak.</summary>
public sealed record KernelBenchResult(
    WeightType Type,
    int Rows,
    int Cols,
    long WeightBytes,
    double GemvMedianSeconds,
    double GemvGBPerSecond,
    double GemvFractionOfBandwidth,
    int PrefillTokens,
    double GemmMedianSeconds,
    double GemmGflops,
    double GemmFractionOfFmaPeak);
