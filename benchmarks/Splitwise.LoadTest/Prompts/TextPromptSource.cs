using System.Text;
using System.Text.Json.Nodes;

namespace Splitwise.LoadTest.Prompts;

/// <summary>
/// Prompts as random English words, one token each. With the target's tokenizer the word list is first filtered to words that
/// the tokenizer encodes as exactly one token after a space, and the tokens it adds itself (e.g. BOS) are subtracted, so the
/// length is exact. Without one it is an approximation: the built-in words are single tokens in the common LLM vocabularies
/// (Llama, Mistral, GPT, Qwen), so the count is off only by tokens the server adds (usually one BOS).
/// </summary>
public sealed class TextPromptSource : IPromptSource
{
    private readonly string[] _words;
    private readonly int _addedTokens;
    private readonly bool _leadingSpace;

    public TextPromptSource(IReadOnlyList<string> words, int addedTokens, bool leadingSpace, bool exact, string origin)
    {
        if (words.Count == 0) throw new ArgumentException("The word list is empty: no word is a single token for this tokenizer.", nameof(words));
        _words = [.. words];
        _addedTokens = addedTokens;
        _leadingSpace = leadingSpace;
        IsExact = exact;
        Description = exact
            ? $"text prompts from {_words.Length} single-token words ({origin}), {addedTokens} token(s) added by the tokenizer subtracted (exact length)"
            : $"text prompts, one built-in word per token (approximate: the server may add a BOS token)";
    }

    public bool IsExact { get; }

    public string Description { get; }

    public JsonNode Build(int tokens, Random rng) => JsonValue.Create(BuildText(tokens, rng));

    public string BuildText(int tokens, Random rng)
    {
        int words = Math.Max(1, tokens - _addedTokens);
        var sb = new StringBuilder(words * 6);
        for (int i = 0; i < words; i++)
        {
            if (i > 0 || _leadingSpace) sb.Append(' ');
            sb.Append(_words[rng.Next(_words.Length)]);
        }
        return sb.ToString();
    }
}
