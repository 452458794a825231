using System.Text.Encodings.Web;
using System.Text.Json;
using Splitwise.Engine.Tokenization;
using Splitwise.Silo.Cli;

namespace Splitwise.Silo.Commands;

/// <summary>
/// The tokenizer verbs:
/// <c>tokenize --tokenizer PATH (--text T | --text-file F) [--special] [--json]</c>,
/// <c>detokenize --tokenizer PATH --ids 1,2,3 [--skip-special] [--json]</c>,
/// <c>chat-template --tokenizer PATH --messages-file F [--tools-file F] [--add-generation-prompt] [--template NAME] [--json]</c>.
/// PATH is a tokenizer.json, a model directory or a .gguf file.
/// </summary>
public static class TokenizerCommands
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(string verb, CliArgs options) => Run(verb, options, Console.Out);

    public static int Run(string verb, CliArgs options, TextWriter output)
    {
        try
        {
            return verb switch
            {
                "tokenize" => Tokenize(options, output),
                "detokenize" => Detokenize(options, output),
                "chat-template" => RenderChat(options, output),
                _ => throw new CliException($"unknown tokenizer verb '{verb}'"),
            };
        }
        catch (Exception e) when (e is TokenizerFormatException or ChatTemplateException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException or InvalidOperationException)
        {
            throw new CliException(e.Message);
        }
    }

    private static int Tokenize(CliArgs options, TextWriter output)
    {
        var path = options.Required("tokenizer");
        var text = options.String("text");
        var textFile = options.String("text-file");
        bool special = options.Flag("special");
        bool json = options.Flag("json");
        options.RejectUnknown();
        if ((text is null) == (textFile is null)) throw new CliException("give exactly one of --text or --text-file");
        text ??= ReadFile(textFile!);
        var ids = Tokenizer.Load(path).Encode(text, special);
        output.WriteLine(json ? JsonSerializer.Serialize(new { ids }, Json) : string.Join(' ', ids));
        return 0;
    }

    private static int Detokenize(CliArgs options, TextWriter output)
    {
        var path = options.Required("tokenizer");
        var ids = options.IntList("ids") ?? throw new CliException("--ids is required (comma-separated token ids)");
        bool skip = options.Flag("skip-special");
        bool json = options.Flag("json");
        options.RejectUnknown();
        var tokenizer = Tokenizer.Load(path);
        var outside = ids.Where(id => id < 0 || id >= tokenizer.VocabSize).ToList();
        if (outside.Count > 0) throw new CliException($"--ids: {string.Join(", ", outside)} outside the vocabulary (0..{tokenizer.VocabSize - 1})");
        var text = tokenizer.Decode(ids, skip);
        if (json) output.WriteLine(JsonSerializer.Serialize(new { text }, Json));
        else output.Write(text);
        return 0;
    }

    private static int RenderChat(CliArgs options, TextWriter output)
    {
        var path = options.Required("tokenizer");
        var messagesFile = options.Required("messages-file");
        var toolsFile = options.String("tools-file");
        bool generationPrompt = options.Flag("add-generation-prompt");
        var templateName = options.String("template");
        bool json = options.Flag("json");
        options.RejectUnknown();
        var messages = ReadJsonArray(messagesFile, "--messages-file");
        var tools = toolsFile is null ? null : ReadJsonArray(toolsFile, "--tools-file");
        var tokenizer = Tokenizer.Load(path);
        if (templateName is null && tokenizer.ChatTemplate is null) throw new CliException($"{path}: the tokenizer has no chat template");
        var text = tokenizer.ApplyChatTemplate(messages, generationPrompt, tools, templateName: templateName);
        if (json) output.WriteLine(JsonSerializer.Serialize(new { text, ids = tokenizer.Encode(text, addSpecialTokens: false) }, Json));
        else output.Write(text);
        return 0;
    }

    private static string ReadFile(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new CliException($"file not found: {path}");

    /// <summary>A JSON array of objects; {"messages": [...]} is accepted too.</summary>
    private static List<object?> ReadJsonArray(string path, string option)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(ReadFile(path)).RootElement; }
        catch (JsonException e) { throw new CliException($"{option} {path}: not valid JSON ({e.Message})"); }
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var inner)) root = inner;
        if (root.ValueKind != JsonValueKind.Array) throw new CliException($"{option} {path}: expected a JSON array");
        return root.EnumerateArray().Select(e => (object?)e).ToList();
    }
}
