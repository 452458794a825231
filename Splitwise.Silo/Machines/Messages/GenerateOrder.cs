using Splitwise.Engine.Sampling;

namespace Splitwise.Silo.Machines.Messages;

/// <summary>
/// Run a request wholly on one machine. <paramref name="OutputSoFar"/> holds tokens already streamed to the client
/// (a request resumed after its machine died): they are re-prefilled with the prompt and count against max_tokens.
/// </summary>
public sealed record GenerateOrder(long RequestId, int[] Prompt, IReadOnlyList<int> OutputSoFar, SamplingParams Sampling);
