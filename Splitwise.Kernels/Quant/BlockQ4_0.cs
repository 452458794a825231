using System.Runtime.InteropServices;

namespace Splitwise.Kernels.Quant;

/// <summary>ggml Q4_0: 32 weights = fp16 scale d + 16 bytes; element j is the low nibble of byte j, element j+16 the high one; w = d·(q − 8).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct BlockQ4_0
{
    public const int Elements = 32;
    public ushort D;
    public fixed byte Qs[16];
}
