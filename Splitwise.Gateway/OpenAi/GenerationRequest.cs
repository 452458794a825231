using Splitwise.Engine.Sampling;

namespace Splitwise.Gateway.OpenAi;

/// <summary>A validated completions or chat request, ready for the engine.</summary>
public sealed record GenerationRequest
{
    public required bool IsChat { get; init; }
    public required string Model { get; init; }
    /// <summary>Token ids of each prompt (completions may carry several; chat has one).</summary>
    public required IReadOnlyList<int[]> Prompts { get; init; }
    public required SamplingParams Sampling { get; init; }
    /// <summary>max_tokens was given; otherwise the engine may use what remains of the context.</summary>
    public required bool MaxTokensGiven { get; init; }
    public int N { get; init; } = 1;
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    /// <summary>Completions: top-N logprobs (0..5); chat: top_logprobs when logprobs is true; null = none.</summary>
    public int? Logprobs { get; init; }
    public string? User { get; init; }
}
