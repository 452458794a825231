using Splitwise.Engine.Config;
using Splitwise.Engine.Loading;

namespace Splitwise.Gateway.Hosting;

/// <summary>
/// The model's config without its weights, for a gateway whose machines are elsewhere (--cluster): it needs only the
/// context length, EOS ids and shape. Reads config.json or GGUF metadata; other formats are opened (memory-mapped) and closed.
/// </summary>
public static class ModelConfigReader
{
    public static ModelConfig Read(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec.StartsWith(SyntheticModel.Prefix, StringComparison.Ordinal)) return SyntheticModel.Describe(spec).Config;
        string? configJson = Directory.Exists(spec) ? Path.Combine(spec, HfModelDirectory.ConfigFileName)
            : spec.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || spec.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(spec))!, HfModelDirectory.ConfigFileName)
                : null;
        if (configJson is not null)
        {
            if (!File.Exists(configJson)) throw new ModelFileException(spec, $"not a model directory: no {HfModelDirectory.ConfigFileName}");
            return HfConfig.Read(configJson);
        }
        if (spec.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            using var gguf = GgufFile.Open(spec);
            return GgufModel.ReadConfig(gguf);
        }
        using var weights = ModelLoader.Load(spec);
        return weights.Config;
    }
}
