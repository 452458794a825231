namespace Splitwise.LoadTest.Cli;

/// <summary>How prompts are written.</summary>
public enum PromptFormat
{
    /// <summary>A list of token ids (<c>"prompt": [ids]</c>): exact length on any server that takes token-id prompts. Completions only.</summary>
    TokenIds,

    /// <summary>Words of English text; exact length when a tokenizer is given, about one token per word otherwise.</summary>
    Text,
}
