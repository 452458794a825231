using System.Text.Json;
using System.Text.Json.Serialization;
using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Wire;

/// <summary>
/// The JSON dialect between gateway and silos: snake_case names, enums as lower-case strings, machine ids as plain
/// strings, and the non-finite floats a log-probability can be (-Infinity) written as named literals so every
/// float survives the round trip bit for bit.
/// </summary>
public static class SiloJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Throws <see cref="JsonException"/> (with a message naming what is missing) for null or malformed input.</summary>
    public static T Deserialize<T>(string json) where T : class
        => JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Expected a {typeof(T).Name} object, got null.");

    public static async ValueTask<T> DeserializeAsync<T>(Stream body, CancellationToken cancellationToken) where T : class
        => await JsonSerializer.DeserializeAsync<T>(body, Options, cancellationToken) ?? throw new JsonException($"Expected a {typeof(T).Name} object, got null.");

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new MachineIdConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class MachineIdConverter : JsonConverter<MachineId>
    {
        public override MachineId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return string.IsNullOrWhiteSpace(value) ? throw new JsonException("A machine id must be a non-empty string.") : new MachineId(value);
        }

        public override void Write(Utf8JsonWriter writer, MachineId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
    }
}
