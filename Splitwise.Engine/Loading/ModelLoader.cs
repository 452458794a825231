using Splitwise.Engine.Model;

namespace Splitwise.Engine.Loading;

/// <summary>
/// The one entry point for naming a model: a Hugging Face folder (or its config.json / a .safetensors in it),
/// a .gguf file, a legacy llama2.c .bin checkpoint, or synthetic:NAME. Every problem with the files is a
/// <see cref="ModelFileException"/> whose message starts with the offending path.
/// </summary>
public static class ModelLoader
{
    public static LlamaWeights Load(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec.StartsWith(SyntheticModel.Prefix, StringComparison.Ordinal)) return SyntheticModel.Build(spec);
        if (Directory.Exists(spec)) return HfModelDirectory.Load(spec);
        if (!File.Exists(spec)) throw new ModelFileException(spec, "no such file or directory");

        string path = Path.GetFullPath(spec);
        string name = Path.GetFileName(path);
        string directory = Path.GetDirectoryName(path)!;
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return HfModelDirectory.Load(directory);
        if (name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || StartsWithGgufMagic(path)) return GgufModel.Load(path);
        if (name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)) return Llama2cCheckpoint.Load(path);
        throw new ModelFileException(path, "unrecognized model file (expected a model folder, config.json, *.safetensors, *.gguf or a llama2.c *.bin)");
    }

    private static bool StartsWithGgufMagic(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(path);
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && BitConverter.ToUInt32(magic) == GgufFile.Magic;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
