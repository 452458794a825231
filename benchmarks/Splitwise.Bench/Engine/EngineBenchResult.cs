namespace Splitwise.Bench.Engine;

/// <summary>One model's throughput figures and their fractions of the machine's rooflines.</summary>
public sealed record EngineBenchResult(
    string Model,
    string WeightTypes,
    string KvCache,
    long MatrixBytesPerToken,
    long MatrixParameters,
    IReadOnlyDictionary<int, double> PrefillTokensPerSecond,
    IReadOnlyDictionary<int, double> PrefillFractionOfFmaPeak,
    IReadOnlyDictionary<int, double> DecodeTokensPerSecond,
    double DecodeBatch1FractionOfBandwidth);
