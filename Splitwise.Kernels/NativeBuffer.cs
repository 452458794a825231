using System.Runtime.InteropServices;

namespace Splitwise.Kernels;

/// <summary>64-byte aligned unmanaged memory, freed by the finalizer or Dispose. Never moves, so kernels take raw pointers into it.</summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _pointer;

    private NativeBuffer(byte* pointer, long length)
    {
        _pointer = pointer;
        Length = length;
    }

    public static NativeBuffer Allocate(long bytes, bool zero = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        if (zero) NativeMemory.Clear(p, (nuint)bytes);
        return new NativeBuffer(p, bytes);
    }

    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer));
    public long Length { get; }

    public Span<byte> AsSpan() => new(Pointer, checked((int)Length));
    public Span<T> AsSpan<T>() where T : unmanaged => new(Pointer, checked((int)(Length / sizeof(T))));

    public void Dispose()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() => Dispose();
}
