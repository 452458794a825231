using System.Text.Json;

namespace Splitwise.Engine.Tokenization;

/// <summary>Typed access to a JSON object with errors that name the file and the field path.</summary>
internal readonly struct JsonFields(JsonElement element, string source, string path)
{
    public JsonElement Element => element;
    public string Path => path;

    public TokenizerFormatException Error(string problem) => new($"{source}: {(path.Length == 0 ? "" : path + ": ")}{problem}");

    public bool Has(string name) => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonFields Object(string name)
    {
        var v = Get(name);
        if (v.ValueKind != JsonValueKind.Object) throw Child(name).Error($"expected an object, found {Kind(v)}");
        return Child(name);
    }

    public JsonFields? OptionalObject(string name) => Has(name) ? Object(name) : null;

    public JsonFields Child(string name) => new(element.TryGetProperty(name, out var v) ? v : default, source, Join(name));
    public JsonFields Item(int index, JsonElement value) => new(value, source, $"{path}[{index}]");

    public string String(string name) => OptionalString(name) ?? throw Error($"missing string field '{name}'");

    public string? OptionalString(string name)
    {
        if (!Has(name)) return null;
        var v = element.GetProperty(name);
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Child(name).Error($"expected a string, found {Kind(v)}");
    }

    public bool Bool(string name, bool fallback)
    {
        if (!Has(name)) return fallback;
        var v = element.GetProperty(name);
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Child(name).Error($"expected true or false, found {Kind(v)}"),
        };
    }

    public int Int(string name, int fallback)
    {
        if (!Has(name)) return fallback;
        var v = element.GetProperty(name);
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Child(name).Error($"expected an integer, found {Kind(v)}");
    }

    public IEnumerable<JsonFields> Array(string name)
    {
        var v = Get(name);
        if (v.ValueKind != JsonValueKind.Array) throw Child(name).Error($"expected an array, found {Kind(v)}");
        var self = Child(name);
        int i = 0;
        foreach (var item in v.EnumerateArray()) yield return self.Item(i++, item);
    }

    private JsonElement Get(string name)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Kind(element)}");
        if (!element.TryGetProperty(name, out var v)) throw Error($"missing field '{name}'");
        return v;
    }

    private string Join(string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Undefined => "nothing",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
