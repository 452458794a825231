namespace Splitwise.Engine.Sampling;

/// <summary>A chosen token with its log-probability and, if asked for, the most likely alternatives.</summary>
public readonly record struct SampledToken(int Id, float Logprob, IReadOnlyList<TokenLogprob>? TopLogprobs);

public readonly record struct TokenLogprob(int Id, float Logprob);
