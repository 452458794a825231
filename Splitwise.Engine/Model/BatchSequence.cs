namespace Splitwise.Engine.Model;

/// <summary>
/// One sequence's part of a forward pass: <paramref name="Tokens"/> at positions StartPosition.., written into the
/// blocks of <paramref name="BlockTable"/> (which must already cover StartPosition + Tokens.Length).
/// </summary>
/// <param name="WantsLogits">Compute next-token logits after the last of these tokens.</param>
/// <param name="SequenceId">The engine's id of the sequence, so a KV layer sink can tell whose KV it is moving.</param>
public sealed record BatchSequence(int[] Tokens, int StartPosition, IReadOnlyList<int> BlockTable, bool WantsLogits = true, long SequenceId = 0);
