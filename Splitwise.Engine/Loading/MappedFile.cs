using System.IO.MemoryMappedFiles;

namespace Splitwise.Engine.Loading;

/// <summary>
/// A whole file mapped read-only into memory. Weight matrices point straight into it, so it must outlive them:
/// <see cref="Model.LlamaWeights"/> holds it as an owner and disposes it with the weights.
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private MappedFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer)
    {
        FilePath = path;
        Length = length;
        _map = map;
        _view = view;
        _pointer = pointer;
    }

    public string FilePath { get; }
    /// <summary>The file's size in bytes (the view may be rounded up to a page; nothing past this is valid).</summary>
    public long Length { get; }

    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(FilePath);

    /// <summary>Maps <paramref name="path"/>; a missing, unreadable or empty file is a <see cref="ModelFileException"/>.</summary>
    public static MappedFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"cannot open the file ({e.Message})", e);
        }
        long length = stream.Length;
        if (length == 0)
        {
            stream.Dispose();
            throw new ModelFileException(path, "the file is empty (truncated)");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedFile(path, length, map, view, p + view.PointerOffset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            if (map != null) map.Dispose(); else stream.Dispose();
            throw new ModelFileException(path, $"cannot map the file into memory ({e.Message})", e);
        }
    }

    /// <summary>A bounds-checked reader over the mapped bytes, for parsing headers.</summary>
    public HeaderReader Reader(long position = 0) => new(FilePath, Pointer, Length, position);

    public void Dispose()
    {
        if (_pointer == null) return;
        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
