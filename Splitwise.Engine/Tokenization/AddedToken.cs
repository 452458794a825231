namespace Splitwise.Engine.Tokenization;

/// <summary>A token matched in the raw text before the model runs (tokenizer.json "added_tokens").</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false, bool Normalized = false, bool SingleWord = false);
