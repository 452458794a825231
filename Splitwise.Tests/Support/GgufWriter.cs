using System.Text;

namespace Splitwise.Tests.Support;

/// <summary>
/// Writes GGUF files for tests, from the format description (header, typed key/values, tensor infos, aligned data).
/// Values follow the reader's convention: the .NET type picks the GGUF value type (uint → UINT32, string[] → array of STRING, ...).
/// Knobs for building broken files: <see cref="Version"/>, per-tensor offset overrides.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, object Value)> _metadata = [];
    private readonly List<Tensor> _tensors = [];

    public uint Version { get; set; } = 3;
    public uint Magic { get; set; } = 0x46554747;
    /// <summary>Alignment used for the data section; written as general.alignment when not 32.</summary>
    public uint Alignment { get; set; } = 32;

    public sealed record Tensor(string Name, long[] Dims, uint TypeId, byte[] Data)
    {
        /// <summary>Write this offset instead of the real one (to point data outside the file).</summary>
        public ulong? OffsetOverride { get; init; }
    }

    public GgufWriter Add(string key, object value)
    {
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, value));
        return this;
    }

    public void Remove(string key) => _metadata.RemoveAll(m => m.Key == key);

    public GgufWriter AddTensor(Tensor tensor)
    {
        _tensors.RemoveAll(t => t.Name == tensor.Name);
        _tensors.Add(tensor);
        return this;
    }

    public GgufWriter AddTensor(string name, long[] ggmlDims, uint typeId, byte[] data) => AddTensor(new Tensor(name, ggmlDims, typeId, data));

    public void RemoveTensor(string name) => _tensors.RemoveAll(t => t.Name == name);
    public Tensor GetTensor(string name) => _tensors.Single(t => t.Name == name);

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true);
        var metadata = _metadata.ToList();
        if (Alignment != 32 && metadata.All(m => m.Key != "general.alignment")) metadata.Insert(0, ("general.alignment", Alignment));
        w.Write(Magic);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(w, key);
            WriteTyped(w, value);
        }
        long offset = 0;
        var offsets = new List<long>();
        foreach (var t in _tensors)
        {
            offsets.Add(offset);
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (long d in t.Dims) w.Write((ulong)d);
            w.Write(t.TypeId);
            w.Write(t.OffsetOverride ?? (ulong)offset);
            offset = Align(offset + t.Data.Length);
        }
        w.Flush();
        Pad(ms);
        foreach (var t in _tensors)
        {
            ms.Write(t.Data);
            Pad(ms);
        }
        return ms.ToArray();
    }

    public void Write(string path) => File.WriteAllBytes(path, ToBytes());

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void Pad(MemoryStream ms)
    {
        while (ms.Length % Alignment != 0) ms.WriteByte(0);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static uint TypeOf(object value) => value switch
    {
        byte => 0, sbyte => 1, ushort => 2, short => 3, uint => 4, int => 5, float => 6, bool => 7, string => 8,
        Array => 9, ulong => 10, long => 11, double => 12,
        _ => throw new ArgumentException($"No GGUF type for {value.GetType()}"),
    };

    private static void WriteTyped(BinaryWriter w, object value)
    {
        w.Write(TypeOf(value));
        WriteValue(w, value);
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case byte x: w.Write(x); break;
            case sbyte x: w.Write(x); break;
            case ushort x: w.Write(x); break;
            case short x: w.Write(x); break;
            case uint x: w.Write(x); break;
            case int x: w.Write(x); break;
            case float x: w.Write(x); break;
            case bool x: w.Write((byte)(x ? 1 : 0)); break;
            case string x: WriteString(w, x); break;
            case ulong x: w.Write(x); break;
            case long x: w.Write(x); break;
            case double x: w.Write(x); break;
            case Array a:
                var elementType = a.GetType().GetElementType()!;
                uint et = elementType == typeof(object) || elementType.IsArray
                    ? 9
                    : TypeOf(elementType == typeof(string) ? "" : Activator.CreateInstance(elementType)!);
                w.Write(et);
                w.Write((ulong)a.Length);
                foreach (var item in a)
                {
                    WriteValue(w, item!); // a nested array carries its own element type and count
                }
                break;
            default: throw new ArgumentException($"No GGUF type for {value.GetType()}");
        }
    }
}
