using System.Buffers.Binary;
using System.Text;

namespace Splitwise.Engine.Loading;

/// <summary>
/// Reads little-endian header fields from a file in memory. Every read checks the file's end first, so a
/// truncated or lying header becomes a <see cref="ModelFileException"/> instead of a read past the mapping.
/// </summary>
public sealed unsafe class HeaderReader(string path, byte* data, long length, long position = 0)
{
    public string FilePath { get; } = path;
    public long Length { get; } = length;
    public long Position { get; set; } = position;
    public long Remaining => Length - Position;

    public ReadOnlySpan<byte> Bytes(long count, string what)
    {
        Require(count, what);
        if (count > int.MaxValue) throw new ModelFileException(FilePath, $"{what} is implausibly long ({count} bytes)");
        var span = new ReadOnlySpan<byte>(data + Position, (int)count);
        Position += count;
        return span;
    }

    public byte U8(string what) => Bytes(1, what)[0];
    public ushort U16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, what));
    public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));
    public int I32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, what));
    public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, what));
    public long I64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8, what));
    public float F32(string what) => BinaryPrimitives.ReadSingleLittleEndian(Bytes(4, what));
    public double F64(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8, what));

    /// <summary>A UTF-8 string of <paramref name="byteCount"/> bytes; invalid UTF-8 is an error, not replacement characters.</summary>
    public string Utf8(ulong byteCount, string what)
    {
        if (byteCount > (ulong)Remaining) throw Truncated(byteCount, what);
        var bytes = Bytes((long)byteCount, what);
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelFileException(FilePath, $"{what} at byte {Position - (long)byteCount} is not valid UTF-8");
        }
    }

    /// <summary>Throws the truncation error unless <paramref name="count"/> more bytes exist.</summary>
    public void Require(ulong count, string what)
    {
        if (count > (ulong)Remaining) throw Truncated(count, what);
    }

    public void Require(long count, string what)
    {
        if (count < 0 || count > Remaining) throw Truncated((ulong)Math.Max(count, 0), what);
    }

    private ModelFileException Truncated(ulong count, string what) => new(FilePath,
        $"truncated file: {what} needs {count} bytes at byte {Position}, but the file has only {Length} bytes");

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
