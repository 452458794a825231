namespace Splitwise.Engine.Scheduling;

/// <summary>Limits of one machine's step scheduler.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Tokens computed in one step, prefill chunks and decodes together. Default 512.</summary>
    public int MaxBatchedTokens { get; init; } = 512;
    /// <summary>Sequences admitted at once. Default 256.</summary>
    public int MaxRunningSequences { get; init; } = 256;
    /// <summary>Share full KV blocks between prompts with identical prefixes. Default true.</summary>
    public bool EnablePrefixCaching { get; init; } = true;
}
