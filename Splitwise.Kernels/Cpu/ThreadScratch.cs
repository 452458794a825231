namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Per-thread scratch memory for kernels (packed panels, dequantized rows, output tiles). Each worker thread keeps
/// its own buffers for the life of the thread, so a forward pass allocates nothing after warm-up.
/// </summary>
internal static unsafe class ThreadScratch
{
    /// <summary>Product: a whole [tokens, rows] product that is added into its destination afterwards.</summary>
    public enum Slot { Row, Panel, Tile, PackedActivations, Product, Count }

    [ThreadStatic] private static NativeBuffer?[]? s_buffers;

    /// <summary>At least <paramref name="floats"/> floats, 64-byte aligned, contents undefined.</summary>
    public static float* Floats(Slot slot, long floats)
    {
        var buffers = s_buffers ??= new NativeBuffer?[(int)Slot.Count];
        var b = buffers[(int)slot];
        long bytes = floats * sizeof(float);
        if (b == null || b.Length < bytes)
        {
            b?.Dispose();
            b = NativeBuffer.Allocate(Math.Max(bytes, 4096), zero: false);
            buffers[(int)slot] = b;
        }
        return (float*)b.Pointer;
    }
}
