using Splitwise.Kernels;

namespace Splitwise.Engine.Loading;

/// <summary>
/// One tensor entry of a GGUF file. <see cref="Dimensions"/> are in ggml order: ne0 (the contiguous, input-feature
/// dimension) first, so a [out, in] matrix is listed as [in, out].
/// </summary>
public sealed record GgufTensorInfo
{
    public required string Name { get; init; }
    public required long[] Dimensions { get; init; }
    /// <summary>The ggml type code as stored (0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 12 Q4_K, 14 Q6_K, 30 BF16, ...).</summary>
    public required uint TypeId { get; init; }
    /// <summary>ggml's name for the type ("Q4_K"), or "type N" for codes this reader does not know.</summary>
    public required string TypeName { get; init; }
    /// <summary>The Splitwise weight type, or null when the stored type is not one Splitwise can compute with.</summary>
    public required WeightType? WeightType { get; init; }
    /// <summary>Offset of the data from the start of the data section (a multiple of the alignment).</summary>
    public required long Offset { get; init; }
    public required long ElementCount { get; init; }
    /// <summary>Bytes of data, known when <see cref="WeightType"/> is.</summary>
    public long? ByteLength { get; init; }

    /// <summary>Row-major shape (outermost first): the reverse of <see cref="Dimensions"/>.</summary>
    public long[] RowMajorShape => Dimensions.Reverse().ToArray();
}
