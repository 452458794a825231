using System.Runtime.InteropServices;

namespace Splitwise.Kernels.Quant;

/// <summary>ggml Q8_0: 32 weights = fp16 scale d + 32 int8 q; w = d·q.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct BlockQ8_0
{
    public const int Elements = 32;
    public ushort D;
    public fixed sbyte Qs[32];
}
