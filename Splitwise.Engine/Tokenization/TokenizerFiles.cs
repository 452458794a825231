using System.Text.Json;

namespace Splitwise.Engine.Tokenization;

/// <summary>Finds the tokenizer files behind a path: tokenizer.json, a model directory, or a .gguf file.</summary>
internal static class TokenizerFiles
{
    public static Tokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, "tokenizer.json");
            if (!File.Exists(json))
            {
                var ggufs = Directory.GetFiles(path, "*.gguf");
                if (ggufs.Length == 1) return LoadGguf(ggufs[0]);
                throw new TokenizerFormatException($"{path}: no tokenizer.json in this directory");
            }
            return LoadJson(json, path);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer not found: {path}", path);
        if (path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return LoadGguf(path);
        return LoadJson(path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static Tokenizer LoadGguf(string path)
    {
        using var file = Splitwise.Engine.Loading.GgufFile.Open(path);
        return Tokenizer.FromGgufMetadata(file.Metadata);
    }

    private static Tokenizer LoadJson(string jsonPath, string directory)
    {
        var pipeline = TokenizerJsonReader.Read(File.ReadAllText(jsonPath), jsonPath);
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var settings = File.Exists(configPath) ? TokenizerConfigReader.Read(File.ReadAllText(configPath), configPath) : new TokenizerSettings();
        var generationPath = Path.Combine(directory, "generation_config.json");
        if (File.Exists(generationPath)) ReadGenerationConfig(generationPath, settings);
        var templatePath = Path.Combine(directory, "chat_template.jinja");
        if (settings.ChatTemplates.Count == 0 && File.Exists(templatePath)) settings.ChatTemplates["default"] = File.ReadAllText(templatePath);
        return new Tokenizer(pipeline, settings);
    }

    /// <summary>generation_config.json's eos_token_id (a number or a list) adds stop ids, e.g. Llama 3.1's &lt;|eot_id|&gt;.</summary>
    private static void ReadGenerationConfig(string path, TokenizerSettings settings)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("eos_token_id", out var eos)) return;
            if (eos.ValueKind == JsonValueKind.Number) settings.EosTokenIds.Add(eos.GetInt32());
            else if (eos.ValueKind == JsonValueKind.Array)
                foreach (var e in eos.EnumerateArray()) if (e.ValueKind == JsonValueKind.Number) settings.EosTokenIds.Add(e.GetInt32());
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
