namespace Splitwise.Kernels;

/// <summary>
/// A row-major [Rows, Cols] weight matrix kept in its stored encoding (F32, F16, BF16 or a ggml quant).
/// Row r starts at Data + r * RowBytes. The memory is not owned: it belongs to a memory-mapped file
/// or a pinned buffer, which <see cref="Owner"/> keeps alive.
/// </summary>
public sealed unsafe class WeightMatrix
{
    public WeightMatrix(WeightType type, int rows, int cols, byte* data, object? owner = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        Type = type;
        Rows = rows;
        Cols = cols;
        RowBytes = WeightTypeInfo.RowBytes(type, cols);
        Data = data;
        Owner = owner;
    }

    public WeightType Type { get; }
    /// <summary>Output features.</summary>
    public int Rows { get; }
    /// <summary>Input features (the reduction dimension).</summary>
    public int Cols { get; }
    public long RowBytes { get; }
    public byte* Data { get; }
    public object? Owner { get; }
    public long TotalBytes => RowBytes * Rows;

    public byte* Row(int r) => Data + r * RowBytes;

    /// <summary>Copies an F32 matrix into pinned memory this object owns (tests, synthetic models).</summary>
    public static WeightMatrix FromBytes(WeightType type, int rows, int cols, ReadOnlySpan<byte> bytes)
    {
        long need = WeightTypeInfo.RowBytes(type, cols) * rows;
        if (bytes.Length != need)
            throw new ArgumentException($"{type} [{rows}, {cols}] needs {need} bytes, got {bytes.Length}.", nameof(bytes));
        var buffer = NativeBuffer.Allocate(need);
        bytes.CopyTo(buffer.AsSpan());
        return new WeightMatrix(type, rows, cols, buffer.Pointer, buffer);
    }
}
