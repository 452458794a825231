using System.Text.Json;

namespace Splitwise.Engine.Tokenization;

/// <summary>Reads tokenizer_config.json: named special tokens, add_bos_token/add_eos_token, chat_template (string or named list).</summary>
internal static class TokenizerConfigReader
{
    public static TokenizerSettings Read(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new TokenizerFormatException($"{source}: not valid JSON ({e.Message})", e); }
        using (doc)
        {
            var root = new JsonFields(doc.RootElement, source, "");
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw root.Error("expected a JSON object at the top level");
            var s = new TokenizerSettings
            {
                BosToken = TokenName(root, "bos_token"),
                EosToken = TokenName(root, "eos_token"),
                UnkToken = TokenName(root, "unk_token"),
                PadToken = TokenName(root, "pad_token"),
                AddBosToken = root.Has("add_bos_token") ? root.Bool("add_bos_token", false) : null,
                AddEosToken = root.Has("add_eos_token") ? root.Bool("add_eos_token", false) : null,
                TokenizerClass = root.OptionalString("tokenizer_class"),
                CleanUpTokenizationSpaces = root.Bool("clean_up_tokenization_spaces", false),
            };
            if (root.Has("chat_template"))
            {
                var t = root.Child("chat_template");
                if (t.Element.ValueKind == JsonValueKind.String) s.ChatTemplates["default"] = t.Element.GetString()!;
                else if (t.Element.ValueKind == JsonValueKind.Array)
                    foreach (var item in root.Array("chat_template"))
                        s.ChatTemplates[item.String("name")] = item.String("template");
                else throw t.Error($"expected a string or a list of {{name, template}}, found {JsonFields.Kind(t.Element)}");
            }
            return s;
        }
    }

    /// <summary>A special token given as "text" or as {"content": "text", ...}.</summary>
    private static string? TokenName(JsonFields root, string name)
    {
        if (!root.Has(name)) return null;
        var v = root.Child(name);
        return v.Element.ValueKind switch
        {
            JsonValueKind.String => v.Element.GetString(),
            JsonValueKind.Object => v.String("content"),
            _ => throw v.Error($"expected a string or {{\"content\": ...}}, found {JsonFields.Kind(v.Element)}"),
        };
    }
}
