namespace Splitwise.Engine.Tokenization;

/// <summary>A tokenizer file (tokenizer.json, tokenizer_config.json, GGUF vocabulary) that cannot be used, with the field and the problem.</summary>
public sealed class TokenizerFormatException(string message, Exception? inner = null) : Exception(message, inner);
