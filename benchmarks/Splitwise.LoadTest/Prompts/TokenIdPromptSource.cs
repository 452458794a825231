using System.Text.Json.Nodes;

namespace Splitwise.LoadTest.Prompts;

/// <summary>
/// Prompts as lists of token ids (<c>"prompt": [ids]</c>, which the OpenAI completions API accepts): the length is exact on any
/// server that takes them, with no tokenizer needed. Ids are drawn uniformly from [lo, hi), so the range must lie inside the
/// target's vocabulary; the default [10, 500) does for any vocabulary of 500 or more and skips the low ids where special tokens live.
/// </summary>
public sealed class TokenIdPromptSource(int lo, int hi) : IPromptSource
{
    public bool IsExact => true;

    public string Description => $"token-id prompts, ids uniform in [{lo}, {hi}) (exact length)";

    public JsonNode Build(int tokens, Random rng)
    {
        var ids = new JsonArray();
        for (int i = 0; i < tokens; i++) ids.Add(rng.Next(lo, hi));
        return ids;
    }

    public string BuildText(int tokens, Random rng) =>
        throw new NotSupportedException("Token-id prompts cannot be sent as chat messages; use --prompt-format text.");
}
