using System.Runtime.InteropServices;

namespace Splitwise.Kernels.Quant;

/// <summary>
/// ggml Q4_K super-block of 256 weights: fp16 d and dmin, 12 bytes packing eight 6-bit (scale, min) pairs, 128 bytes
/// of nibbles. 64-weight group g uses bytes Qs[32g..32g+32): low nibbles are sub-block 2g, high nibbles sub-block 2g+1;
/// w = d·scale·q − dmin·min.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct BlockQ4K
{
    public const int Elements = 256;
    public ushort D;
    public ushort DMin;
    public fixed byte Scales[12];
    public fixed byte Qs[128];
}
