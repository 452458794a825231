namespace Splitwise.Kernels;

/// <summary>How a weight matrix's elements are stored. Values match nothing on disk; loaders map their own codes.</summary>
public enum WeightType
{
    F32,
    F16,
    BF16,
    /// <summary>ggml Q8_0: blocks of 32 = fp16 scale + 32 × int8.</summary>
    Q8_0,
    /// <summary>ggml Q4_0: blocks of 32 = fp16 scale + 16 bytes of 4-bit values (offset 8).</summary>
    Q4_0,
    /// <summary>ggml Q4_K: super-blocks of 256 = fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles.</summary>
    Q4_K,
    /// <summary>ggml Q6_K: super-blocks of 256 = 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, fp16 d.</summary>
    Q6_K,
}

public static class WeightTypeInfo
{
    /// <summary>Elements per block (1 for plain floats).</summary>
    public static int BlockElements(WeightType type) => type switch
    {
        WeightType.F32 or WeightType.F16 or WeightType.BF16 => 1,
        WeightType.Q8_0 or WeightType.Q4_0 => 32,
        WeightType.Q4_K or WeightType.Q6_K => 256,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(WeightType type) => type switch
    {
        WeightType.F32 => 4,
        WeightType.F16 or WeightType.BF16 => 2,
        WeightType.Q8_0 => 34,
        WeightType.Q4_0 => 18,
        WeightType.Q4_K => 144,
        WeightType.Q6_K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Bytes of one row of <paramref name="cols"/> elements; throws if cols is not a whole number of blocks.</summary>
    public static long RowBytes(WeightType type, long cols)
    {
        int be = BlockElements(type);
        if (cols % be != 0)
            throw new ArgumentException($"{type} rows must hold a multiple of {be} elements, got {cols}.", nameof(cols));
        return cols / be * BlockBytes(type);
    }
}
