using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class CpuKernels
{
    /// <summary>Decodes <paramref name="count"/> elements (a whole number of blocks) of a stored row to fp32, e.g. an embedding row.</summary>
    public static void Dequantize(WeightType type, byte* src, float* dst, int count) => Dequantize(type, src, dst, count, CpuFeatures.Level);

    internal static void Dequantize(WeightType type, byte* src, float* dst, int count, Level level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int be = WeightTypeInfo.BlockElements(type);
        if (count % be != 0)
            throw new ArgumentException($"{type} decodes whole blocks of {be} elements, got {count}.", nameof(count));
        MatMul.DequantizeRow(type, src, dst, count, level);
    }
}
