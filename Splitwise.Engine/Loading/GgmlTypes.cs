using Splitwise.Kernels;

namespace Splitwise.Engine.Loading;

/// <summary>ggml's tensor type codes (from ggml.h's enum ggml_type), mapped to the types Splitwise computes with.</summary>
internal static class GgmlTypes
{
    private static readonly Dictionary<uint, string> Names = new()
    {
        [0] = "F32", [1] = "F16", [2] = "Q4_0", [3] = "Q4_1", [6] = "Q5_0", [7] = "Q5_1", [8] = "Q8_0", [9] = "Q8_1",
        [10] = "Q2_K", [11] = "Q3_K", [12] = "Q4_K", [13] = "Q5_K", [14] = "Q6_K", [15] = "Q8_K",
        [16] = "IQ2_XXS", [17] = "IQ2_XS", [18] = "IQ3_XXS", [19] = "IQ1_S", [20] = "IQ4_NL", [21] = "IQ3_S",
        [22] = "IQ2_S", [23] = "IQ4_XS", [24] = "I8", [25] = "I16", [26] = "I32", [27] = "I64", [28] = "F64",
        [29] = "IQ1_M", [30] = "BF16", [34] = "TQ1_0", [35] = "TQ2_0", [39] = "MXFP4",
    };

    public static string Name(uint id) => Names.TryGetValue(id, out var name) ? name : $"type {id}";

    public static WeightType? ToWeightType(uint id) => id switch
    {
        0 => WeightType.F32,
        1 => WeightType.F16,
        2 => WeightType.Q4_0,
        8 => WeightType.Q8_0,
        12 => WeightType.Q4_K,
        14 => WeightType.Q6_K,
        30 => WeightType.BF16,
        _ => null,
    };

    public static uint FromWeightType(WeightType type) => type switch
    {
        WeightType.F32 => 0,
        WeightType.F16 => 1,
        WeightType.Q4_0 => 2,
        WeightType.Q8_0 => 8,
        WeightType.Q4_K => 12,
        WeightType.Q6_K => 14,
        WeightType.BF16 => 30,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
