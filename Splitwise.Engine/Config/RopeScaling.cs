namespace Splitwise.Engine.Config;

/// <summary>Llama 3.1-style frequency scaling ("rope_type": "llama3" in config.json).</summary>
public sealed record RopeScaling(float Factor, float LowFreqFactor, float HighFreqFactor, int OriginalMaxPositionEmbeddings);
