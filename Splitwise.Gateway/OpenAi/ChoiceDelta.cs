using Splitwise.Engine.Sampling;

namespace Splitwise.Gateway.OpenAi;

/// <summary>New output of one choice: text that is now final, the tokens behind it, and the finish if it came.</summary>
public sealed record ChoiceDelta(int Index, string Text, IReadOnlyList<SampledToken> Tokens, string? FinishReason);
