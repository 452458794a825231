using Splitwise.Engine.Config;

namespace Splitwise.Engine.Model;

/// <summary>The headDim/2 inverse frequencies RoPE rotates by, with Llama 3 scaling or GGUF frequency factors applied.</summary>
public static class RopeFrequencies
{
    public static float[] Compute(ModelConfig config)
    {
        int half = config.HeadDim / 2;
        var inv = new float[half];
        for (int j = 0; j < half; j++)
            inv[j] = 1f / MathF.Pow(config.RopeTheta, 2 * j / (float)config.HeadDim);

        if (config.RopeFrequencyFactors is { } factors)
        {
            for (int j = 0; j < half; j++) inv[j] /= factors[j];
        }
        else if (config.RopeScaling is { } s)
        {
            // Llama 3.1: long wavelengths are slowed by the factor, short ones kept, the band between interpolated.
            float lowWavelength = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
            float highWavelength = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
            for (int j = 0; j < half; j++)
            {
                float wavelength = 2 * MathF.PI / inv[j];
                if (wavelength > lowWavelength) inv[j] /= s.Factor;
                else if (wavelength >= highWavelength)
                {
                    float smooth = (s.OriginalMaxPositionEmbeddings / wavelength - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                    inv[j] = (1 - smooth) * inv[j] / s.Factor + smooth * inv[j];
                }
            }
        }
        return inv;
    }
}
