using System.Text;
using System.Text.Json;

namespace Splitwise.Tests.Support;

/// <summary>Writes .safetensors files for tests: u64 header length, JSON header, then the tensors' bytes in order.</summary>
public static class SafetensorsWriter
{
    public sealed record Tensor(string Name, string DType, long[] Shape, byte[] Data);

    public static byte[] ToBytes(IEnumerable<Tensor> tensors, Func<Tensor, long, long, (long, long)>? offsets = null)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long position = 0;
        var list = tensors.ToList();
        foreach (var t in list)
        {
            var (begin, end) = offsets?.Invoke(t, position, position + t.Data.Length) ?? (position, position + t.Data.Length);
            header[t.Name] = new Dictionary<string, object> { ["dtype"] = t.DType, ["shape"] = t.Shape, ["data_offsets"] = new[] { begin, end } };
            position += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        using var ms = new MemoryStream();
        ms.Write(BitConverter.GetBytes((ulong)padded));
        ms.Write(json);
        for (int i = json.Length; i < padded; i++) ms.WriteByte((byte)' ');
        foreach (var t in list) ms.Write(t.Data);
        return ms.ToArray();
    }

    public static void Write(string path, IEnumerable<Tensor> tensors) => File.WriteAllBytes(path, ToBytes(tensors));

    public static byte[] F32(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
