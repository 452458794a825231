using System.Text.Json.Nodes;

namespace Splitwise.Tests.Support;

/// <summary>Token ids from a completion's logprobs, for a gateway without a tokenizer (it names tokens "&lt;ID&gt;").</summary>
public static class TokenIds
{
    public static int[] FromLogprobs(JsonNode choice)
        => choice["logprobs"]!["tokens"]!.AsArray().Select(t => Parse((string)t!)).ToArray();

    public static int Parse(string token)
        => token.Length > 2 && token[0] == '<' && token[^1] == '>' && int.TryParse(token[1..^1], out int id)
            ? id
            : throw new FormatException($"'{token}' is not a token id; the gateway has a tokenizer, so ids cannot be read back exactly.");
}
