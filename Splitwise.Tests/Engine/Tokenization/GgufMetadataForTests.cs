using System.Text;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>
/// Test-only: reads the key/value metadata of a GGUF file (header and metadata, no tensors) in the convention
/// the engine's GGUF reader exposes: scalars as .NET scalars, arrays as typed arrays.
/// </summary>
public static class GgufMetadataForTests
{
    public static Dictionary<string, object> Read(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (r.ReadUInt32() != 0x46554747) throw new InvalidDataException($"{path}: not a GGUF file");
        r.ReadUInt32(); // version
        r.ReadUInt64(); // tensor count
        ulong count = r.ReadUInt64();
        var md = new Dictionary<string, object>(StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            var key = ReadString(r);
            md[key] = ReadValue(r, r.ReadUInt32());
        }
        return md;
    }

    private static string ReadString(BinaryReader r) => Encoding.UTF8.GetString(r.ReadBytes(checked((int)r.ReadUInt64())));

    private static object ReadValue(BinaryReader r, uint type) => type switch
    {
        0 => r.ReadByte(),
        1 => r.ReadSByte(),
        2 => r.ReadUInt16(),
        3 => r.ReadInt16(),
        4 => r.ReadUInt32(),
        5 => r.ReadInt32(),
        6 => r.ReadSingle(),
        7 => r.ReadByte() != 0,
        8 => ReadString(r),
        9 => ReadArray(r),
        10 => r.ReadUInt64(),
        11 => r.ReadInt64(),
        12 => r.ReadDouble(),
        _ => throw new InvalidDataException($"unknown GGUF value type {type}"),
    };

    private static object ReadArray(BinaryReader r)
    {
        uint type = r.ReadUInt32();
        int n = checked((int)r.ReadUInt64());
        Array Fill<T>(Func<T> read) { var a = new T[n]; for (int i = 0; i < n; i++) a[i] = read(); return a; }
        return type switch
        {
            0 => Fill(r.ReadByte),
            1 => Fill(r.ReadSByte),
            2 => Fill(r.ReadUInt16),
            3 => Fill(r.ReadInt16),
            4 => Fill(r.ReadUInt32),
            5 => Fill(r.ReadInt32),
            6 => Fill(r.ReadSingle),
            7 => Fill(() => r.ReadByte() != 0),
            8 => Fill(() => ReadString(r)),
            10 => Fill(r.ReadUInt64),
            11 => Fill(r.ReadInt64),
            12 => Fill(r.ReadDouble),
            _ => throw new InvalidDataException($"unsupported GGUF array element type {type}"),
        };
    }
}
