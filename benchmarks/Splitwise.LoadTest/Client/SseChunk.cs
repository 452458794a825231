namespace Splitwise.LoadTest.Client;

/// <summary>One parsed <c>data:</c> event of a completions or chat stream.</summary>
public readonly record struct SseChunk(bool IsDone, bool CarriesToken, int? PromptTokens, int? CompletionTokens, string? ServerError);
