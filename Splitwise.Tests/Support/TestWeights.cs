using Splitwise.Kernels;

namespace Splitwise.Tests.Support;

/// <summary>
/// Valid weight rows of every stored type from a seeded Random. Plain floats are drawn in [−1, 1]; Q8_0 and Q4_0 come
/// from a small round-to-nearest quantizer (ggml's scale conventions); K-quant blocks get random payload bytes (every
/// bit pattern is a valid quant) with finite fp16 scales. Q8_0/Q4_0 rows also get a few raw random blocks so extreme
/// codes (−128, 0, 15) are covered.
/// </summary>
public static class TestWeights
{
    public static byte[] Create(WeightType type, int rows, int cols, Random rng)
    {
        int rowBytes = (int)WeightTypeInfo.RowBytes(type, cols);
        var bytes = new byte[rowBytes * rows];
        for (int r = 0; r < rows; r++)
        {
            var row = bytes.AsSpan(r * rowBytes, rowBytes);
            var values = new float[cols];
            for (int i = 0; i < cols; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
            switch (type)
            {
                case WeightType.F32:
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(row);
                    break;
                case WeightType.F16:
                    for (int i = 0; i < cols; i++) BitConverter.TryWriteBytes(row[(2 * i)..], (Half)values[i]);
                    break;
                case WeightType.BF16:
                    for (int i = 0; i < cols; i++) BitConverter.TryWriteBytes(row[(2 * i)..], (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
                    break;
                case WeightType.Q8_0:
                    for (int b = 0; b < cols / 32; b++) QuantizeQ8_0(values.AsSpan(b * 32, 32), row.Slice(b * 34, 34), rng);
                    break;
                case WeightType.Q4_0:
                    for (int b = 0; b < cols / 32; b++) QuantizeQ4_0(values.AsSpan(b * 32, 32), row.Slice(b * 18, 18), rng);
                    break;
                case WeightType.Q4_K:
                    rng.NextBytes(row);
                    for (int b = 0; b < cols / 256; b++)
                    {
                        WriteHalf(row[(b * 144)..], (float)(rng.NextDouble() * 0.02 + 0.001));
                        WriteHalf(row[(b * 144 + 2)..], (float)(rng.NextDouble() * 0.02));
                    }
                    break;
                case WeightType.Q6_K:
                    rng.NextBytes(row);
                    for (int b = 0; b < cols / 256; b++) WriteHalf(row[(b * 210 + 208)..], (float)((rng.NextDouble() - 0.5) * 0.004));
                    break;
            }
        }
        return bytes;
    }

    private static void QuantizeQ8_0(ReadOnlySpan<float> x, Span<byte> block, Random rng)
    {
        if (rng.Next(8) == 0)
        {
            rng.NextBytes(block);
            WriteHalf(block, (float)((rng.NextDouble() - 0.5) / 64));
            return;
        }
        float amax = 0;
        foreach (var v in x) amax = MathF.Max(amax, MathF.Abs(v));
        float d = amax / 127;
        WriteHalf(block, d);
        for (int j = 0; j < 32; j++) block[2 + j] = (byte)(sbyte)Math.Clamp(MathF.Round(d == 0 ? 0 : x[j] / d), -127, 127);
    }

    private static void QuantizeQ4_0(ReadOnlySpan<float> x, Span<byte> block, Random rng)
    {
        if (rng.Next(8) == 0)
        {
            rng.NextBytes(block);
            WriteHalf(block, (float)((rng.NextDouble() - 0.5) / 4));
            return;
        }
        // ggml convention: the value of largest magnitude maps to −8.
        float max = 0;
        foreach (var v in x) if (MathF.Abs(v) > MathF.Abs(max)) max = v;
        float d = max / -8;
        WriteHalf(block, d);
        for (int j = 0; j < 16; j++)
        {
            int lo = Math.Clamp((int)MathF.Round(d == 0 ? 0 : x[j] / d) + 8, 0, 15);
            int hi = Math.Clamp((int)MathF.Round(d == 0 ? 0 : x[j + 16] / d) + 8, 0, 15);
            block[2 + j] = (byte)(lo | (hi << 4));
        }
    }

    private static void WriteHalf(Span<byte> dst, float value) => BitConverter.TryWriteBytes(dst, (Half)value);

    public static float[] RandomFloats(int count, Random rng, float scale = 1f)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }
}
