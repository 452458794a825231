using System.Runtime.InteropServices;

namespace Splitwise.Kernels.Quant;

/// <summary>
/// ggml Q6_K super-block of 256 weights: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales
/// (one per 16 weights), fp16 d; w = d·scale·(q − 32) with q the 6-bit value.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct BlockQ6K
{
    public const int Elements = 256;
    public fixed byte Ql[128];
    public fixed byte Qh[64];
    public fixed sbyte Scales[16];
    public ushort D;
}
