using Splitwise.Kernels;
using Splitwise.Kernels.Cpu;
using Splitwise.Kernels.Reference;
using Splitwise.Tests.Support;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// Vectorized dequantization against the reference, per type and SIMD level, for block counts 1..9 (and odd float
/// lengths). Exact for every type but Q4_K, whose d·sc·q − dmin·m is fused into one rounding: |Δ| ≤ 2⁻²²·(|d·sc·q| + |dmin·m|) ≤ 2⁻²²·(|expected| + 2|dmin·m|), checked as 2⁻²¹·max|block|.
/// </summary>
public sealed unsafe class DequantizeTests
{
    public static TheoryData<WeightType, Level> Cases()
    {
        var data = new TheoryData<WeightType, Level>();
        foreach (var type in Enum.GetValues<WeightType>())
            foreach (var level in MatMulTests.Levels())
                data.Add(type, level);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Dequantize_matches_the_reference(WeightType type, Level level)
    {
        var rng = new Random(17 + (int)type);
        int be = WeightTypeInfo.BlockElements(type);
        int[] counts = be == 1 ? [1, 7, 15, 16, 17, 31, 33, 64, 65, 4097] : [.. Enumerable.Range(1, 9).Select(b => b * be)];
        foreach (int count in counts)
        {
            var bytes = TestWeights.Create(type, 1, count, rng);
            var expected = new float[count];
            var actual = new float[count + 1];
            actual[count] = 12345f; // sentinel: nothing written past the end
            fixed (byte* src = bytes)
            fixed (float* e = expected, a = actual)
            {
                ScalarKernels.Dequantize(type, src, e, count);
                CpuKernels.Dequantize(type, src, a, count, level);
            }
            Assert.True(actual[count] == 12345f, $"Dequantize {type} {level} count={count}: wrote past the end");
            double blockTol = type == WeightType.Q4_K ? Math.Pow(2, -21) : 0;
            KernelAssert.Close(expected, actual.AsSpan(0, count), i =>
            {
                int b0 = i / be * be;
                double max = 0;
                for (int j = b0; j < b0 + be; j++) max = Math.Max(max, Math.Abs(expected[j]));
                return blockTol * max;
            }, $"Dequantize {type} {level} count={count}");
        }
    }

    [Theory, MemberData(nameof(LevelCases))]
    public void Every_half_bit_pattern_converts_like_the_BCL(Level level)
    {
        var halves = new ushort[65536];
        for (int i = 0; i < halves.Length; i++) halves[i] = (ushort)i;
        var actual = new float[65536];
        fixed (ushort* h = halves)
        fixed (float* a = actual)
            CpuKernels.Dequantize(WeightType.F16, (byte*)h, a, 65536, level);
        for (int i = 0; i < 65536; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            bool same = float.IsNaN(expected) ? float.IsNaN(actual[i]) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(same, $"F16 {level}: half 0x{i:X4} → {actual[i]:R}, expected {expected:R}");
        }
    }

    public static TheoryData<Level> LevelCases() => [.. MatMulTests.Levels()];

    [Fact]
    public void The_half_lookup_table_holds_every_half_as_the_BCL_converts_it()
    {
        for (int i = 0; i < 65536; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i), actual = Splitwise.Kernels.Quant.HalfBits.Table[i];
            bool same = float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);
            Assert.True(same, $"half 0x{i:X4} → {actual:R} in the table, expected {expected:R}");
        }
    }

    [Fact]
    public void A_partial_block_is_refused()
    {
        var bytes = new byte[34];
        var dst = new float[32];
        fixed (byte* s = bytes)
        fixed (float* d = dst)
        {
            byte* sp = s;
            float* dp = d;
            var e = Assert.Throws<ArgumentException>(() => CpuKernels.Dequantize(WeightType.Q8_0, sp, dp, 31));
            Assert.Contains("32", e.Message);
        }
    }
}
