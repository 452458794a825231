namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>What happens to a match of a Split pattern (tokenizer.json "behavior").</summary>
internal enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }
