using Splitwise.Kernels.Native;

namespace Splitwise.Tests.Kernels;

/// <summary>
/// The native Q8_0/Q4_0 decode GEMV (vpdpbusd, unsigned weights and a per-lane offset) against an exact integer
/// reference: Σ_b d_w·d_x·Σ_j q_j·x_j, the inner sums in integers. Block counts 1, 2, 3, 4 and 65 (one odd block
/// alone, whole 512-bit steps, a step and the odd block); row counts 1, 4, 5, 14 and 19 (the four-row quarters with
/// none to three rows left over); storing and accumulating. Codes include the extremes (weights −128 and 127 for Q8_0,
/// nibbles 0 and 15, activations ±127) so an offset or overflow slip shows. Tolerance: fp32 rounding of partial sums
/// (lanes of four products, then blocks and lanes added in float), 1e-6 relative to Σ_b d_w·d_x·Σ_j |q_j·x_j|.
/// </summary>
public sealed unsafe class QuantGemvTests
{
    public static TheoryData<bool, int, int> Shapes()
    {
        var data = new TheoryData<bool, int, int>();
        foreach (bool q4 in new[] { false, true })
            foreach (int blocks in new[] { 1, 2, 3, 4, 65 })
                foreach (int rows in new[] { 1, 4, 5, 14, 19 })
                    data.Add(q4, blocks, rows);
        return data;
    }

    private sealed record Data(byte[] Weights, int RowBytes, sbyte[] Codes, float[] Scales);

    private static Data Create(bool q4, int blocks, int rows, int seed)
    {
        var rng = new Random(seed);
        int blockBytes = q4 ? 18 : 34, rowBytes = blocks * blockBytes;
        var weights = new byte[rows * rowBytes];
        rng.NextBytes(weights);
        for (int b = 0; b < rows * blocks; b++)
        {
            BitConverter.TryWriteBytes(weights.AsSpan(b * blockBytes, 2), (Half)(rng.NextSingle() * 0.02f + 0.001f));
            // Every seventh block at the extremes of its codes.
            if (b % 7 == 3) weights.AsSpan(b * blockBytes + 2, blockBytes - 2).Fill(q4 ? (byte)0xF0 : (byte)0x80);
            if (b % 7 == 5) weights.AsSpan(b * blockBytes + 2, blockBytes - 2).Fill(q4 ? (byte)0x0F : (byte)0x7F);
        }
        var codes = new sbyte[blocks * 32];
        for (int i = 0; i < codes.Length; i++) codes[i] = (sbyte)(i % 11 == 0 ? (i % 2 == 0 ? 127 : -127) : rng.Next(-127, 128));
        var scales = Enumerable.Range(0, blocks).Select(_ => rng.NextSingle() * 0.05f + 0.001f).ToArray();
        return new Data(weights, rowBytes, codes, scales);
    }

    private static (double Sum, double Magnitude) Reference(Data data, bool q4, int row, int blocks)
    {
        int blockBytes = q4 ? 18 : 34;
        double sum = 0, magnitude = 0;
        for (int b = 0; b < blocks; b++)
        {
            int at = row * data.RowBytes + b * blockBytes;
            long dot = 0, absolute = 0;
            for (int j = 0; j < 32; j++)
            {
                int q = q4
                    ? (j < 16 ? data.Weights[at + 2 + j] & 0xF : data.Weights[at + 2 + j - 16] >> 4) - 8
                    : (sbyte)data.Weights[at + 2 + j];
                dot += q * data.Codes[b * 32 + j];
                absolute += Math.Abs(q * data.Codes[b * 32 + j]);
            }
            double scale = (double)(float)BitConverter.ToHalf(data.Weights, at) * data.Scales[b];
            sum += scale * dot;
            magnitude += scale * absolute;
        }
        return (sum, magnitude);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Matches_the_integer_reference_storing_and_accumulating(bool q4, int blocks, int rows)
    {
        if (!NativeKernels.VnniAvailable) return; // A_cpu_with_avx512_vnni_gets_the_native_kernel fails where it should be loaded.
        var data = Create(q4, blocks, rows, blocks * 100 + rows + (q4 ? 7 : 0));
        var stored = new float[rows];
        var accumulated = Enumerable.Range(0, rows).Select(r => r * 0.25f).ToArray();
        fixed (byte* w = data.Weights)
        fixed (sbyte* x = data.Codes)
        fixed (float* xs = data.Scales, y = stored, a = accumulated)
        {
            NativeKernels.QuantGemvRows(w, data.RowBytes, rows, blocks, q4 ? 1 : 0, x, xs, y, 0);
            NativeKernels.QuantGemvRows(w, data.RowBytes, rows, blocks, q4 ? 1 : 0, x, xs, a, 1);
        }
        for (int r = 0; r < rows; r++)
        {
            var (expected, magnitude) = Reference(data, q4, r, blocks);
            Assert.True(Math.Abs(stored[r] - expected) <= 1e-6 * magnitude + 1e-30, $"{(q4 ? "Q4_0" : "Q8_0")} row {r} of {rows}, {blocks} blocks: {stored[r]} vs {expected}");
            Assert.True(Math.Abs(accumulated[r] - (expected + r * 0.25)) <= 1e-6 * (magnitude + r) + 1e-30, $"accumulated row {r}: {accumulated[r]} vs {expected + r * 0.25}");
        }
    }

    /// <summary>
    /// A row's sum is the same bits whether its slice puts it in a quarter stream or among the rows left over: the fused
    /// and separate GEMV jobs cut matrices into different slices, and batched and single runs are compared bit for bit.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_row_sums_to_the_same_bits_in_any_slice(bool q4)
    {
        if (!NativeKernels.VnniAvailable) return;
        const int rows = 13, blocks = 9;
        var data = Create(q4, blocks, rows, 42);
        var whole = new float[rows];
        var single = new float[rows];
        fixed (byte* w = data.Weights)
        fixed (sbyte* x = data.Codes)
        fixed (float* xs = data.Scales, wp = whole, sp = single)
        {
            NativeKernels.QuantGemvRows(w, data.RowBytes, rows, blocks, q4 ? 1 : 0, x, xs, wp, 0);
            for (int r = 0; r < rows; r++)
                NativeKernels.QuantGemvRows(w + r * data.RowBytes, data.RowBytes, 1, blocks, q4 ? 1 : 0, x, xs, sp + r, 0);
        }
        Assert.Equal(single, whole);
    }
}
