namespace Splitwise.Engine.Tokenization;

/// <summary>A tokenizer file (tokenizer.json, tokenizer_config.json, GGUF vocabulary) that cannot be used, with the field and the problem.</summary>
public sealed class TokenizerFormatException(string message, Exception? inner = null) : Exception(message, inner)
{
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A string as a JSON literal, readable in messages (no \u escapes for &lt; or non-ASCII).</summary>
    internal static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, Readable);
}
