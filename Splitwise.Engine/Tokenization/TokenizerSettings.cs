namespace Splitwise.Engine.Tokenization;

/// <summary>What tokenizer_config.json (or GGUF metadata) adds to the pipeline: named special tokens, BOS/EOS policy, chat templates.</summary>
internal sealed class TokenizerSettings
{
    public string? BosToken { get; set; }
    public string? EosToken { get; set; }
    public string? UnkToken { get; set; }
    public string? PadToken { get; set; }
    public int? BosTokenId { get; set; }
    public List<int> EosTokenIds { get; } = [];
    /// <summary>Explicit add_bos_token / add_eos_token; null when the file does not say.</summary>
    public bool? AddBosToken { get; set; }
    public bool? AddEosToken { get; set; }
    public string? TokenizerClass { get; set; }
    public bool CleanUpTokenizationSpaces { get; set; }
    public Dictionary<string, string> ChatTemplates { get; } = new(StringComparer.Ordinal);
}
