namespace Splitwise.Kernels.Reference;

/// <summary>
/// The specification: plain loops, no SIMD. Tests compare every fast kernel with these, and they are the
/// fallback on machines without AVX2. Block layouts follow ggml's reference dequantizers.
/// </summary>
public static unsafe class ScalarKernels
{
    /// <summary>Decodes <paramref name="count"/> elements (a whole number of blocks) starting at <paramref name="src"/>.</summary>
    public static void Dequantize(WeightType type, byte* src, float* dst, int count)
    {
        switch (type)
        {
            case WeightType.F32:
                for (int i = 0; i < count; i++) dst[i] = ((float*)src)[i];
                break;
            case WeightType.F16:
                for (int i = 0; i < count; i++) dst[i] = (float)((Half*)src)[i];
                break;
            case WeightType.BF16:
                for (int i = 0; i < count; i++) dst[i] = BitConverter.Int32BitsToSingle(((ushort*)src)[i] << 16);
                break;
            case WeightType.Q8_0:
                for (int b = 0; b < count / 32; b++, src += 34, dst += 32)
                {
                    float d = (float)*(Half*)src;
                    sbyte* q = (sbyte*)(src + 2);
                    for (int j = 0; j < 32; j++) dst[j] = q[j] * d;
                }
                break;
            case WeightType.Q4_0:
                for (int b = 0; b < count / 32; b++, src += 18, dst += 32)
                {
                    float d = (float)*(Half*)src;
                    byte* q = src + 2;
                    for (int j = 0; j < 16; j++)
                    {
                        dst[j] = ((q[j] & 0xF) - 8) * d;
                        dst[j + 16] = ((q[j] >> 4) - 8) * d;
                    }
                }
                break;
            case WeightType.Q4_K:
                for (int b = 0; b < count / 256; b++, src += 144, dst += 256) DequantizeQ4K(src, dst);
                break;
            case WeightType.Q6_K:
                for (int b = 0; b < count / 256; b++, src += 210, dst += 256) DequantizeQ6K(src, dst);
                break;
            default:
                throw new NotSupportedException($"Weight type {type}.");
        }
    }

    /// <summary>The 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block.</summary>
    public static void Q4KScaleMin(int j, byte* scales, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = scales[j] & 63;
            min = scales[j + 4] & 63;
        }
        else
        {
            scale = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4);
            min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
        }
    }

    private static void DequantizeQ4K(byte* block, float* y)
    {
        float d = (float)*(Half*)block;
        float dmin = (float)*(Half*)(block + 2);
        byte* scales = block + 4;
        byte* q = block + 16;
        for (int j = 0, sub = 0; j < 256; j += 64, sub += 2, q += 32)
        {
            Q4KScaleMin(sub, scales, out int sc1, out int m1);
            Q4KScaleMin(sub + 1, scales, out int sc2, out int m2);
            float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
            for (int l = 0; l < 32; l++) y[j + l] = d1 * (q[l] & 0xF) - min1;
            for (int l = 0; l < 32; l++) y[j + 32 + l] = d2 * (q[l] >> 4) - min2;
        }
    }

    private static void DequantizeQ6K(byte* block, float* y)
    {
        byte* ql = block;
        byte* qh = block + 128;
        sbyte* sc = (sbyte*)(block + 192);
        float d = (float)*(Half*)(block + 208);
        for (int n = 0; n < 256; n += 128, ql += 64, qh += 32, sc += 8)
        {
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[n + l] = d * sc[s] * q1;
                y[n + l + 32] = d * sc[s + 2] * q2;
                y[n + l + 64] = d * sc[s + 4] * q3;
                y[n + l + 96] = d * sc[s + 6] * q4;
            }
        }
    }

    /// <summary>y[i, r] = Σ_c x[i, c] · W[r, c] for i &lt; n, with W dequantized exactly to fp32 first.</summary>
    public static void MatMul(WeightMatrix w, float* x, int n, float* y)
    {
        var row = new float[w.Cols];
        fixed (float* rp = row)
        {
            for (int r = 0; r < w.Rows; r++)
            {
                Dequantize(w.Type, w.Row(r), rp, w.Cols);
                for (int i = 0; i < n; i++)
                {
                    float* xi = x + (long)i * w.Cols;
                    float sum = 0;
                    for (int c = 0; c < w.Cols; c++) sum += xi[c] * rp[c];
                    y[(long)i * w.Rows + r] = sum;
                }
            }
        }
    }

    /// <summary>out = x / sqrt(mean(x²) + eps) · weight.</summary>
    public static void RmsNorm(float* x, float* weight, float* output, int size, float eps)
    {
        float ss = 0;
        for (int i = 0; i < size; i++) ss += x[i] * x[i];
        float scale = 1f / MathF.Sqrt(ss / size + eps);
        for (int i = 0; i < size; i++) output[i] = x[i] * scale * weight[i];
    }

    /// <summary>In-place softmax.</summary>
    public static void Softmax(float* x, int size)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < size; i++) max = MathF.Max(max, x[i]);
        float sum = 0;
        for (int i = 0; i < size; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) x[i] /= sum;
    }

    /// <summary>gate[i] = silu(gate[i]) · up[i], SwiGLU's elementwise step.</summary>
    public static void SiluMul(float* gate, float* up, int size)
    {
        for (int i = 0; i < size; i++)
        {
            float g = gate[i];
            gate[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    /// <summary>
    /// Rotates one head vector in place by position <paramref name="pos"/> with precomputed inverse frequencies
    /// (headDim/2 of them). rotate_half pairs (j, j + headDim/2); interleaved pairs (2j, 2j+1).
    /// </summary>
    public static void Rope(float* head, int headDim, int pos, float* invFreq, bool interleaved)
    {
        int half = headDim / 2;
        for (int j = 0; j < half; j++)
        {
            float angle = pos * invFreq[j];
            float cos = MathF.Cos(angle), sin = MathF.Sin(angle);
            int a = interleaved ? 2 * j : j;
            int b = interleaved ? 2 * j + 1 : j + half;
            float x0 = head[a], x1 = head[b];
            head[a] = x0 * cos - x1 * sin;
            head[b] = x0 * sin + x1 * cos;
        }
    }
}
