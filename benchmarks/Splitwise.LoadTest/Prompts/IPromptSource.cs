using System.Text.Json.Nodes;

namespace Splitwise.LoadTest.Prompts;

/// <summary>Makes the prompt of one request: the seam between token-id and text prompts.</summary>
public interface IPromptSource
{
    /// <summary>True when the prompt has exactly the requested token count on the target (text without a tokenizer is approximate).</summary>
    bool IsExact { get; }

    /// <summary>One line for the report: what the prompts are and how exact.</summary>
    string Description { get; }

    /// <summary>The completions "prompt" value (a string or an array of ids); random content defeats prefix caching.</summary>
    JsonNode Build(int tokens, Random rng);

    /// <summary>The same prompt as text, for chat messages. Throws when the source cannot make text.</summary>
    string BuildText(int tokens, Random rng);
}
