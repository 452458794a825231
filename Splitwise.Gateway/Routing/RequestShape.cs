using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>What routing knows of a request when it arrives: its prompt length and how much it may generate.</summary>
public sealed record RequestShape
{
    public RequestShape(int promptTokens, int maxTokens)
    {
        if (promptTokens < 1) throw new ArgumentOutOfRangeException(nameof(promptTokens), promptTokens, "A request needs at least one prompt token.");
        if (maxTokens < 0) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "max_tokens must not be negative.");
        PromptTokens = promptTokens;
        MaxTokens = maxTokens;
    }

    public int PromptTokens { get; }
    public int MaxTokens { get; }

    /// <summary>Machines not to use, e.g. the one a failed attempt ran on. Default none.</summary>
    public IReadOnlyCollection<MachineId> Avoid { get; init; } = [];

    /// <summary>Tokens of KV the request holds at its longest: the prompt plus every token it may generate.</summary>
    public int KvTokens => (int)Math.Min(int.MaxValue, (long)PromptTokens + MaxTokens);
}
