using Splitwise.Kernels;
using Splitwise.Kernels.Reference;

namespace Splitwise.Engine.Loading;

/// <summary>
/// A memory-mapped GGUF file (versions 2 and 3, little-endian): metadata, tensor infos and the aligned data section.
/// Metadata values are plain .NET objects: scalars as byte, sbyte, ushort, short, uint, int, ulong, long, float,
/// double, bool or string; arrays as typed arrays (byte[], int[], float[], string[], bool[], ...), and arrays of
/// arrays as object[]. They are copied out of the mapping, so they stay valid after <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    private readonly MappedFile _file;
    private readonly Dictionary<string, GgufTensorInfo> _byName;

    private GgufFile(MappedFile file, uint version, IReadOnlyDictionary<string, object> metadata,
        IReadOnlyList<GgufTensorInfo> tensors, long alignment, long dataOffset)
    {
        _file = file;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public string FilePath => _file.FilePath;
    public long FileLength => _file.Length;
    public uint Version { get; }
    public IReadOnlyDictionary<string, object> Metadata { get; }
    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long Alignment { get; }
    /// <summary>Absolute file offset of the data section.</summary>
    public long DataOffset { get; }
    /// <summary>The mapping tensor data lives in; weight matrices built from this file keep it as their owner.</summary>
    public IDisposable Owner => _file;
    /// <summary>general.architecture, or null when absent.</summary>
    public string? Architecture => Metadata.TryGetValue("general.architecture", out var v) ? v as string : null;

    public bool TryGetTensor(string name, out GgufTensorInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>Start of a tensor's bytes inside the mapping (checked at open to lie inside the file).</summary>
    public byte* TensorData(GgufTensorInfo tensor) => _file.Pointer + DataOffset + tensor.Offset;

    /// <summary>Decodes a whole tensor to fp32 (tests, tools, small tensors).</summary>
    public float[] ReadFloats(string name)
    {
        if (!_byName.TryGetValue(name, out var t)) throw new ModelFileException(FilePath, $"tensor '{name}' is missing");
        var type = t.WeightType ?? throw new ModelFileException(FilePath, $"unsupported tensor type {t.TypeName} in tensor '{name}'");
        if (t.ElementCount % WeightTypeInfo.BlockElements(type) != 0)
            throw new ModelFileException(FilePath, $"tensor '{name}' is not a whole number of {type} blocks");
        var values = new float[checked((int)t.ElementCount)];
        fixed (float* dst = values) ScalarKernels.Dequantize(type, TensorData(t), dst, values.Length);
        return values;
    }

    /// <summary>An integer metadata value of any stored integer type, or null when absent.</summary>
    public long? GetInteger(string key) => Metadata.TryGetValue(key, out var v)
        ? v switch
        {
            byte x => x, sbyte x => x, ushort x => x, short x => x, uint x => x, int x => x, long x => x,
            ulong x when x <= long.MaxValue => (long)x,
            _ => throw new ModelFileException(FilePath, $"metadata {key} must be an integer, found {Describe(v)}"),
        }
        : null;

    /// <summary>A float metadata value (float32 or float64 stored), or null when absent.</summary>
    public double? GetReal(string key) => Metadata.TryGetValue(key, out var v)
        ? v switch
        {
            float x => x, double x => x,
            _ => throw new ModelFileException(FilePath, $"metadata {key} must be a float, found {Describe(v)}"),
        }
        : null;

    public string? GetString(string key) => Metadata.TryGetValue(key, out var v)
        ? v as string ?? throw new ModelFileException(FilePath, $"metadata {key} must be a string, found {Describe(v)}")
        : null;

    private static string Describe(object v) => v is Array a ? $"an array of {a.Length} {v.GetType().GetElementType()!.Name}" : $"{v.GetType().Name} {v}";

    public static GgufFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static GgufFile Parse(MappedFile file)
    {
        string path = file.FilePath;
        var r = file.Reader();
        uint magic = r.U32("the magic number");
        if (magic != Magic)
            throw new ModelFileException(path, $"bad magic 0x{magic:X8}: not a GGUF file (expected \"GGUF\")");
        uint version = r.U32("the version");
        if (version == 1) throw new ModelFileException(path, "unsupported GGUF version 1 (only versions 2 and 3 are read; re-convert the file)");
        if (version is not (2 or 3))
            throw new ModelFileException(path, $"unsupported GGUF version {version} (0x{version:X8}; only little-endian versions 2 and 3 are read)");
        ulong tensorCount = r.U64("the tensor count");
        ulong kvCount = r.U64("the metadata count");
        // Each entry needs at least 12 (key/value) or 24 (tensor info) bytes: larger counts are corrupt, not big.
        if (kvCount > (ulong)r.Remaining / 12) throw new ModelFileException(path, $"truncated or corrupt header: {kvCount} metadata entries cannot fit in {file.Length} bytes");
        if (tensorCount > (ulong)r.Remaining / 24) throw new ModelFileException(path, $"truncated or corrupt header: {tensorCount} tensors cannot fit in {file.Length} bytes");

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = ReadString(r, $"metadata key #{i}");
            uint valueType = r.U32($"the type of metadata '{key}'");
            object value = ReadValue(r, valueType, key, depth: 0);
            if (!metadata.TryAdd(key, value)) throw new ModelFileException(path, $"duplicate metadata key '{key}'");
        }

        long alignment = DefaultAlignment;
        if (metadata.TryGetValue(AlignmentKey, out var a))
        {
            alignment = a is uint u && u != 0 && (u & (u - 1)) == 0
                ? u
                : throw new ModelFileException(path, $"bad {AlignmentKey} {a} ({a.GetType().Name}): must be a uint32 power of two");
        }

        var raw = new List<(string Name, long[] Dims, uint Type, ulong Offset)>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = ReadString(r, $"the name of tensor #{i}");
            uint nDims = r.U32($"the dimension count of tensor '{name}'");
            if (nDims is 0 or > 4) throw new ModelFileException(path, $"tensor '{name}' has {nDims} dimensions (ggml allows 1 to 4)");
            var dims = new long[nDims];
            for (int d = 0; d < nDims; d++)
            {
                ulong dim = r.U64($"dimension {d} of tensor '{name}'");
                if (dim == 0 || dim > int.MaxValue) throw new ModelFileException(path, $"tensor '{name}' has dimension {d} of size {dim}");
                dims[d] = (long)dim;
            }
            uint type = r.U32($"the type of tensor '{name}'");
            ulong offset = r.U64($"the data offset of tensor '{name}'");
            raw.Add((name, dims, type, offset));
        }
        long dataOffset = (r.Position + alignment - 1) / alignment * alignment;
        long dataLength = file.Length - dataOffset;

        var tensors = new List<GgufTensorInfo>(raw.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, dims, typeId, offset) in raw)
        {
            if (!names.Add(name)) throw new ModelFileException(path, $"duplicate tensor '{name}'");
            long elements = 1;
            foreach (long d in dims)
            {
                if (elements > long.MaxValue / d) throw new ModelFileException(path, $"tensor '{name}' is impossibly large");
                elements *= d;
            }
            if (offset % (ulong)alignment != 0)
                throw new ModelFileException(path, $"tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}");
            var weightType = GgmlTypes.ToWeightType(typeId);
            long? bytes = null;
            if (weightType is { } wt)
            {
                int blockElements = WeightTypeInfo.BlockElements(wt);
                if (dims[0] % blockElements != 0)
                    throw new ModelFileException(path, $"tensor '{name}' has rows of {dims[0]} elements, not a whole number of {wt} blocks of {blockElements}");
                bytes = elements / blockElements * WeightTypeInfo.BlockBytes(wt);
                if (dataLength < 0 || offset > (ulong)dataLength || bytes > dataLength - (long)offset)
                    throw new ModelFileException(path,
                        $"tensor '{name}' data ({bytes} bytes at offset {offset} of the data section, which starts at byte {dataOffset}) lies outside the file ({file.Length} bytes): the file is truncated or the offset is wrong");
            }
            tensors.Add(new GgufTensorInfo
            {
                Name = name,
                Dimensions = dims,
                TypeId = typeId,
                TypeName = GgmlTypes.Name(typeId),
                WeightType = weightType,
                Offset = (long)Math.Min(offset, long.MaxValue),
                ElementCount = elements,
                ByteLength = bytes,
            });
        }
        return new GgufFile(file, version, metadata, tensors, alignment, dataOffset);
    }

    private static string ReadString(HeaderReader r, string what)
    {
        ulong length = r.U64($"the length of {what}");
        return r.Utf8(length, what);
    }

    private static object ReadValue(HeaderReader r, uint type, string key, int depth)
    {
        string what = $"the value of metadata '{key}'";
        switch (type)
        {
            case 0: return r.U8(what);
            case 1: return (sbyte)r.U8(what);
            case 2: return r.U16(what);
            case 3: return (short)r.U16(what);
            case 4: return r.U32(what);
            case 5: return r.I32(what);
            case 6: return r.F32(what);
            case 7: return r.U8(what) != 0;
            case 8: return ReadString(r, what);
            case 9: return ReadArray(r, key, depth);
            case 10: return r.U64(what);
            case 11: return r.I64(what);
            case 12: return r.F64(what);
            default: throw new ModelFileException(r.FilePath, $"metadata '{key}' has unknown value type {type}");
        }
    }

    private static object ReadArray(HeaderReader r, string key, int depth)
    {
        if (depth > 8) throw new ModelFileException(r.FilePath, $"metadata '{key}' nests arrays too deeply");
        uint elementType = r.U32($"the element type of metadata '{key}'");
        ulong count = r.U64($"the element count of metadata '{key}'");
        int minBytes = elementType switch
        {
            0 or 1 or 7 => 1,
            2 or 3 => 2,
            4 or 5 or 6 => 4,
            8 or 10 or 11 or 12 => 8,
            9 => 12,
            _ => throw new ModelFileException(r.FilePath, $"metadata '{key}' is an array of unknown value type {elementType}"),
        };
        if (count > (ulong)r.Remaining / (ulong)minBytes)
            throw new ModelFileException(r.FilePath, $"truncated file: metadata '{key}' declares {count} elements, more than the {r.Remaining} bytes left can hold");
        int n = (int)count;
        string what = $"an element of metadata '{key}'";
        switch (elementType)
        {
            case 0: return r.Bytes(n, what).ToArray();
            case 1: return Fill(n, _ => (sbyte)r.U8(what));
            case 2: return Fill(n, _ => r.U16(what));
            case 3: return Fill(n, _ => (short)r.U16(what));
            case 4: return Fill(n, _ => r.U32(what));
            case 5: return Fill(n, _ => r.I32(what));
            case 6: return Fill(n, _ => r.F32(what));
            case 7: return Fill(n, _ => r.U8(what) != 0);
            case 8: return Fill(n, i => ReadString(r, $"string #{i} of metadata '{key}'"));
            case 10: return Fill(n, _ => r.U64(what));
            case 11: return Fill(n, _ => r.I64(what));
            case 12: return Fill(n, _ => r.F64(what));
            default: return Fill(n, _ => ReadArray(r, key, depth + 1));
        }
    }

    private static T[] Fill<T>(int n, Func<int, T> read)
    {
        var values = new T[n];
        for (int i = 0; i < n; i++) values[i] = read(i);
        return values;
    }

    public void Dispose() => _file.Dispose();
}
