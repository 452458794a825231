using System.Text.Json;
using Splitwise.Kernels;
using Splitwise.Kernels.Reference;

namespace Splitwise.Engine.Loading;

/// <summary>
/// One memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to {dtype, shape, data_offsets}, then the tensor bytes (offsets relative to the end of the header).
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The format's own limit on the JSON header; anything larger is a corrupt length field.</summary>
    private const ulong MaxHeaderBytes = 100_000_000;

    private readonly MappedFile _file;
    private readonly Dictionary<string, TensorView> _tensors;

    private SafetensorsFile(MappedFile file, Dictionary<string, TensorView> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        _file = file;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string FilePath => _file.FilePath;
    /// <summary>The optional "__metadata__" string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyCollection<string> TensorNames => _tensors.Keys;
    /// <summary>The mapping the tensors point into; dispose it (or this) after the last use of a tensor.</summary>
    public IDisposable Owner => _file;

    internal IReadOnlyDictionary<string, TensorView> Tensors => _tensors;

    /// <summary>The stored dtype and row-major shape of <paramref name="name"/>.</summary>
    public (string DType, long[] Shape) Describe(string name) =>
        _tensors.TryGetValue(name, out var v) ? (v.TypeName, v.Shape.ToArray()) : throw new KeyNotFoundException($"{FilePath}: no tensor '{name}'.");

    /// <summary>Decodes a tensor (F32, F16 or BF16) to fp32, for tests and tools.</summary>
    public float[] ReadFloats(string name)
    {
        if (!_tensors.TryGetValue(name, out var view)) throw new ModelFileException(FilePath, $"tensor '{name}' is missing");
        var type = view.Type ?? throw new ModelFileException(FilePath, $"unsupported tensor type {view.TypeName} in tensor '{name}'");
        var result = new float[checked((int)view.ElementCount)];
        fixed (float* dst = result) ScalarKernels.Dequantize(type, view.Data, dst, result.Length);
        return result;
    }

    public static SafetensorsFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            var reader = file.Reader();
            ulong headerLength = reader.U64("the header length");
            if (headerLength > MaxHeaderBytes)
                throw new ModelFileException(path, $"bad header: declares a {headerLength}-byte JSON header (not a safetensors file, or corrupt)");
            reader.Require(headerLength, "the JSON header");
            var json = reader.Bytes((long)headerLength, "the JSON header");
            long dataStart = reader.Position;
            var (tensors, metadata) = ParseHeader(file, json, dataStart);
            return new SafetensorsFile(file, tensors, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, TensorView>, Dictionary<string, string>) ParseHeader(MappedFile file, ReadOnlySpan<byte> json, long dataStart)
    {
        string path = file.FilePath;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"malformed JSON header ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelFileException(path, "malformed JSON header: expected an object of tensors");
            var tensors = new Dictionary<string, TensorView>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            long dataLength = file.Length - dataStart;
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in entry.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors[entry.Name] = ParseTensor(file, entry.Name, entry.Value, dataStart, dataLength);
            }
            return (tensors, metadata);
        }
    }

    private static TensorView ParseTensor(MappedFile file, string name, JsonElement e, long dataStart, long dataLength)
    {
        string path = file.FilePath;
        ModelFileException Bad(string what) => new(path, $"malformed header entry for tensor '{name}': {what}");
        if (e.ValueKind != JsonValueKind.Object) throw Bad("not an object");
        if (!e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String) throw Bad("missing dtype");
        if (!e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array) throw Bad("missing shape");
        if (!e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Bad("data_offsets must be [begin, end]");
        string dtype = dtypeEl.GetString()!;
        var shape = new long[shapeEl.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0 || dim > int.MaxValue)
                throw Bad($"shape dimension {d.GetRawText()} is not a valid size");
            shape[i++] = dim;
            elements = dim == 0 ? 0 : elements > long.MaxValue / dim ? throw Bad("shape is impossibly large") : elements * dim;
        }
        long[] offsets = new long[2];
        i = 0;
        foreach (var o in offEl.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long v) || v < 0) throw Bad($"data offset {o.GetRawText()} is not valid");
            offsets[i++] = v;
        }
        long begin = offsets[0], end = offsets[1];
        if (end < begin) throw Bad($"data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw new ModelFileException(path,
                $"tensor '{name}' data [{dataStart + begin}, {dataStart + end}) lies outside the file ({file.Length} bytes): the file is truncated or the offsets are wrong");
        WeightType? type = dtype switch
        {
            "F32" => WeightType.F32,
            "F16" => WeightType.F16,
            "BF16" => WeightType.BF16,
            _ => null,
        };
        int elementBytes = dtype switch
        {
            "F64" or "I64" or "U64" => 8,
            "F32" or "I32" or "U32" => 4,
            "F16" or "BF16" or "I16" or "U16" => 2,
            "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
            _ => 0,
        };
        if (elementBytes != 0 && end - begin != elements * elementBytes)
            throw Bad($"{end - begin} bytes of data for {elements} {dtype} elements (expected {elements * elementBytes})");
        return new TensorView
        {
            Name = name,
            Type = type,
            TypeName = dtype,
            Shape = shape,
            StoredShapeText = $"[{string.Join(", ", shape)}]",
            Data = file.Pointer + dataStart + begin,
            ByteLength = end - begin,
            FilePath = path,
            Owner = file,
        };
    }

    public void Dispose() => _file.Dispose();
}
