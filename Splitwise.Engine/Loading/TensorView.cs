using Splitwise.Kernels;

namespace Splitwise.Engine.Loading;

/// <summary>
/// One stored tensor as a loader found it: its bytes already checked to lie inside <see cref="FilePath"/>.
/// <see cref="Shape"/> is row-major ([out, in] for a matrix), whatever order the file writes dims in.
/// </summary>
internal sealed unsafe class TensorView
{
    public required string Name { get; init; }
    /// <summary>Null when the stored type is one Splitwise cannot compute with (see <see cref="TypeName"/>).</summary>
    public required WeightType? Type { get; init; }
    /// <summary>The type as the file names it, for error messages.</summary>
    public required string TypeName { get; init; }
    public required long[] Shape { get; init; }
    /// <summary>The shape as the file states it, for error messages (GGUF lists ne0 first).</summary>
    public required string StoredShapeText { get; init; }
    public required byte* Data { get; init; }
    public required long ByteLength { get; init; }
    public required string FilePath { get; init; }
    /// <summary>What keeps <see cref="Data"/> valid (a mapped file or a native buffer).</summary>
    public required object Owner { get; init; }

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
