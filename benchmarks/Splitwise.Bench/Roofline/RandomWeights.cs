using Splitwise.Kernels;

namespace Splitwise.Bench.Roofline;

/// <summary>Weight matrices of any stored type filled with deterministic random but valid content (finite, modest scales).</summary>
public static unsafe class RandomWeights
{
    public static WeightMatrix Create(WeightType type, int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        long rowBytes = WeightTypeInfo.RowBytes(type, cols);
        var buffer = NativeBuffer.Allocate(rowBytes * rows, zero: false);
        byte* p = buffer.Pointer;
        long total = rowBytes * rows;
        rng.NextBytes(new Span<byte>(p, (int)Math.Min(total, int.MaxValue)));
        for (long off = int.MaxValue; off < total; off += int.MaxValue)
            rng.NextBytes(new Span<byte>(p + off, (int)Math.Min(total - off, int.MaxValue)));
        long blocks = total / WeightTypeInfo.BlockBytes(type);
        int bb = WeightTypeInfo.BlockBytes(type);
        for (long b = 0; b < blocks; b++)
        {
            byte* blk = p + b * bb;
            switch (type)
            {
                case WeightType.F32: *(float*)blk = (float)(rng.NextDouble() * 2 - 1); break;
                case WeightType.F16: *(Half*)blk = (Half)(rng.NextDouble() * 2 - 1); break;
                case WeightType.BF16: *(ushort*)blk = (ushort)(BitConverter.SingleToUInt32Bits((float)(rng.NextDouble() * 2 - 1)) >> 16); break;
                case WeightType.Q8_0 or WeightType.Q4_0: *(Half*)blk = (Half)0.01f; break;
                case WeightType.Q4_K: *(Half*)blk = (Half)0.01f; *(Half*)(blk + 2) = (Half)0.005f; break;
                case WeightType.Q6_K: *(Half*)(blk + 208) = (Half)0.01f; break;
            }
        }
        return new WeightMatrix(type, rows, cols, p, buffer);
    }
}
