using System.Text.Json;
using Splitwise.Engine.Config;
using Splitwise.Engine.Model;

namespace Splitwise.Engine.Loading;

/// <summary>
/// A Hugging Face model folder: config.json plus model.safetensors, or model.safetensors.index.json naming the shards.
/// Tensors are memory-mapped and used in place; q/k rows stay in HF's rotate_half order.
/// </summary>
public static class HfModelDirectory
{
    public const string ConfigFileName = "config.json";
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    public static LlamaWeights Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        string configPath = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(configPath)) throw new ModelFileException(directory, $"not a model directory: no {ConfigFileName}");
        var config = HfConfig.Read(configPath);

        var files = new List<SafetensorsFile>();
        try
        {
            var (tensors, sourcePath) = OpenTensors(directory, files);
            var assembler = new LlamaWeightsAssembler(config, sourcePath, tensors, TensorNames.HuggingFace)
            {
                // Older checkpoints store RoPE's inverse frequencies as buffers; tied models may still carry lm_head.
                Ignorable = name => name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal)
                                    || (config.TieWordEmbeddings && name == TensorNames.HuggingFace.Classifier),
            };
            return assembler.Assemble(directory, files.Select(f => f.Owner).ToList());
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, TensorView> Tensors, string SourcePath) OpenTensors(string directory, List<SafetensorsFile> files)
    {
        string single = Path.Combine(directory, SingleFileName);
        string index = Path.Combine(directory, IndexFileName);
        if (File.Exists(single))
        {
            var file = SafetensorsFile.Open(single);
            files.Add(file);
            return (new Dictionary<string, TensorView>(file.Tensors, StringComparer.Ordinal), single);
        }
        if (!File.Exists(index))
            throw new ModelFileException(directory, $"no weights: neither {SingleFileName} nor {IndexFileName} is present");

        var weightMap = ReadWeightMap(index);
        var byShard = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, TensorView>(StringComparer.Ordinal);
        foreach (var (name, shard) in weightMap)
        {
            if (!byShard.TryGetValue(shard, out var file))
            {
                string shardPath = Path.Combine(directory, shard);
                if (!File.Exists(shardPath)) throw new ModelFileException(index, $"shard '{shard}' (holding tensor '{name}') does not exist");
                file = SafetensorsFile.Open(shardPath);
                files.Add(file);
                byShard[shard] = file;
            }
            if (!file.Tensors.TryGetValue(name, out var view))
                throw new ModelFileException(file.FilePath, $"tensor '{name}' is missing (the index {IndexFileName} places it in this shard)");
            tensors[name] = view;
        }
        foreach (var file in files)
        {
            var unlisted = file.Tensors.Keys.FirstOrDefault(n => !weightMap.ContainsKey(n));
            if (unlisted != null)
                throw new ModelFileException(file.FilePath, $"tensor '{unlisted}' is not listed in {IndexFileName}");
        }
        return (tensors, index);
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        using var doc = HfConfig.ParseJson(indexPath);
        if (doc.RootElement.ValueKind != JsonValueKind.Object
            || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new ModelFileException(indexPath, "malformed index: no weight_map object");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            string? shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
            // Shards are plain file names beside the index; anything else could point outside the model folder.
            if (string.IsNullOrEmpty(shard) || Path.GetFileName(shard) != shard || shard is "." or "..")
                throw new ModelFileException(indexPath, $"malformed index: tensor '{entry.Name}' maps to {entry.Value.GetRawText()}, not a file name in this folder");
            result[entry.Name] = shard;
        }
        if (result.Count == 0) throw new ModelFileException(indexPath, "malformed index: weight_map is empty");
        return result;
    }
}
