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
    /// <summary>
    /// Admit waiting prompts before running decodes (mixed machines). A decode is left out of at most
    /// <see cref="MaxDecodeDeferrals"/> steps in a row, so prompts-first never starves a stream. Default false: decodes first.
    /// </summary>
    public bool PromptsFirst { get; init; }
    /// <summary>With <see cref="PromptsFirst"/>, consecutive steps a running decode may be left out of. Default 1.</summary>
    public int MaxDecodeDeferrals { get; init; } = 1;
}
