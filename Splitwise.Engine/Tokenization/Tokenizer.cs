using System.Text;
using Splitwise.Engine.Tokenization.Decoders;
using Splitwise.Engine.Tokenization.Models;
using Splitwise.Engine.Tokenization.PostProcessors;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// Text to token ids and back, as a Hugging Face tokenizer.json (+ tokenizer_config.json) or a GGUF vocabulary
/// defines it: added tokens are split out first, then normalizer, pre-tokenizer, model and post-processor.
/// Thread-safe for concurrent Encode/Decode.
/// </summary>
public sealed class Tokenizer
{
    private readonly TokenizerPipeline _pipeline;
    private readonly Dictionary<int, AddedToken> _addedById = new();
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    private readonly AddedTokenSplitter _rawSplitter;
    private readonly AddedTokenSplitter? _normalizedSplitter;
    private readonly PostProcessor? _postProcessor;
    private readonly bool _cleanUpSpaces;
    private readonly string? _unkToken, _padToken;
    private readonly ByteLevelBpeEncoder? _fastPath;
    private readonly Dictionary<string, ChatTemplate> _chatTemplates = new(StringComparer.Ordinal);

    internal Tokenizer(TokenizerPipeline pipeline, TokenizerSettings settings)
    {
        _pipeline = pipeline;
        foreach (var t in pipeline.AddedTokens) { _addedById[t.Id] = t; _addedByContent.TryAdd(t.Content, t.Id); }
        _rawSplitter = new AddedTokenSplitter(pipeline.AddedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        var normalized = pipeline.AddedTokens.Where(t => t.Normalized).ToList();
        if (normalized.Count > 0)
            _normalizedSplitter = new AddedTokenSplitter(normalized.Select(t => (pipeline.Normalizer?.Normalize(t.Content) ?? t.Content, t)));
        _cleanUpSpaces = settings.CleanUpTokenizationSpaces;
        DecoderTraits = DecoderTraits.Of(pipeline.Decoder);
        _fastPath = ByteLevelBpeEncoder.TryCreate(pipeline.PreTokenizer, pipeline.Model);

        VocabSize = Math.Max(pipeline.Model.VocabSize, pipeline.AddedTokens.Count == 0 ? 0 : pipeline.AddedTokens.Max(t => t.Id) + 1);
        BosToken = settings.BosToken;
        _unkToken = settings.UnkToken;
        _padToken = settings.PadToken;
        EosToken = settings.EosToken;
        BosTokenId = settings.BosTokenId ?? (settings.BosToken is { } b ? TokenToId(b) : null);
        var eos = new List<int>();
        if (settings.EosToken is { } e && TokenToId(e) is { } eid) eos.Add(eid);
        foreach (var id in settings.EosTokenIds) if (!eos.Contains(id)) eos.Add(id);
        EosTokenIds = eos;
        _postProcessor = SpecialTokenPolicy.Resolve(pipeline.PostProcessor, settings, BosTokenId, eos.Count > 0 ? eos[0] : null);
        foreach (var (name, source) in settings.ChatTemplates)
            _chatTemplates[name] = ChatTemplate.ParseDeferringErrors(source, $"chat template '{name}'");
        ChatTemplate = _chatTemplates.GetValueOrDefault("default") ?? (_chatTemplates.Count == 1 ? _chatTemplates.Values.First() : null);
    }

    /// <summary>
    /// Loads a tokenizer.json, a model directory (tokenizer.json + tokenizer_config.json [+ generation_config.json,
    /// chat_template.jinja]) or a .gguf file (its tokenizer.ggml.* metadata, read with the GGUF reader).
    /// </summary>
    public static Tokenizer Load(string path) => TokenizerFiles.Load(path);

    /// <summary>Builds a tokenizer from the JSON texts of tokenizer.json and (optionally) tokenizer_config.json.</summary>
    public static Tokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null, string source = "tokenizer.json")
    {
        var pipeline = TokenizerJsonReader.Read(tokenizerJson, source);
        var settings = tokenizerConfigJson is null ? new TokenizerSettings() : TokenizerConfigReader.Read(tokenizerConfigJson, "tokenizer_config.json");
        return new Tokenizer(pipeline, settings);
    }

    /// <summary>
    /// Builds a tokenizer from GGUF metadata (tokenizer.ggml.*): scalars as .NET scalars, arrays as typed arrays.
    /// This is the hook the GGUF reader calls.
    /// </summary>
    public static Tokenizer FromGgufMetadata(IReadOnlyDictionary<string, object> metadata) => GgufTokenizerBuilder.Build(metadata);

    /// <summary>Largest id + 1 over the model vocabulary and the added tokens.</summary>
    public int VocabSize { get; }
    public int? BosTokenId { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    /// <summary>Ids that end generation: eos_token, then generation_config.json / GGUF extras.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }
    /// <summary>The model's default chat template, or null when it ships none.</summary>
    public ChatTemplate? ChatTemplate { get; }
    /// <summary>All chat templates by name ("default", "tool_use", ...).</summary>
    public IReadOnlyDictionary<string, ChatTemplate> ChatTemplates => _chatTemplates;

    /// <summary>Encodes text; with <paramref name="addSpecialTokens"/> the post-processor adds what the model expects (e.g. BOS).</summary>
    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var segments = new List<TextSegment>();
        _rawSplitter.Split(text, true, segments);
        var pieces = new List<string>();
        foreach (var seg in segments)
        {
            if (seg.Id >= 0) { ids.Add(seg.Id); continue; }
            var normalized = _pipeline.Normalizer?.Normalize(seg.Text) ?? seg.Text;
            if (_normalizedSplitter is null) { EncodeOrdinary(normalized, seg.AtTextStart, ids, pieces); continue; }
            var inner = new List<TextSegment>();
            _normalizedSplitter.Split(normalized, seg.AtTextStart, inner);
            foreach (var s in inner)
                if (s.Id >= 0) ids.Add(s.Id);
                else EncodeOrdinary(s.Text, s.AtTextStart, ids, pieces);
        }
        if (addSpecialTokens && _postProcessor is not null) ids = _postProcessor.Process(ids);
        return ids.ToArray();
    }

    private void EncodeOrdinary(string text, bool atTextStart, List<int> ids, List<string> pieces)
    {
        if (text.Length == 0) return;
        if (_fastPath is not null) { _fastPath.Encode(text, ids); return; }
        if (_pipeline.PreTokenizer is null) { _pipeline.Model.Encode(text, ids); return; }
        pieces.Clear();
        _pipeline.PreTokenizer.PreTokenize(text, atTextStart, pieces);
        foreach (var p in pieces) _pipeline.Model.Encode(p, ids);
    }

    /// <summary>
    /// Decodes ids to text. Ids outside the vocabulary are skipped (models often pad their embedding beyond it).
    /// <paramref name="cleanUpTokenizationSpaces"/>: null follows tokenizer_config.json; streaming uses false.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool? cleanUpTokenizationSpaces = null)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special)) tokens.Add(added.Content);
                continue;
            }
            if (_pipeline.Model.IdToToken(id) is { } t) tokens.Add(t);
        }
        string text = _pipeline.Decoder is null ? string.Join(' ', tokens) : string.Concat(_pipeline.Decoder.DecodeChain(tokens));
        return cleanUpTokenizationSpaces ?? _cleanUpSpaces ? CleanUpSpaces(text) : text;
    }

    /// <summary>transformers' clean_up_tokenization: drops the space before punctuation and English contractions.</summary>
    private static string CleanUpSpaces(string text) => new StringBuilder(text)
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re").ToString();

    /// <summary>A streaming decoder for one sequence (see <see cref="IncrementalDetokenizer"/>).</summary>
    public IncrementalDetokenizer CreateIncrementalDetokenizer(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>
    /// Renders chat messages with the model's default template, the named one, or <paramref name="template"/> (a served
    /// template overriding the model's) with this tokenizer's special tokens. Messages and tools are
    /// JsonElements, dictionaries (string keys) and lists of them; values are strings, numbers, booleans or null.
    /// </summary>
    public string ApplyChatTemplate(IReadOnlyList<object?> messages, bool addGenerationPrompt, IReadOnlyList<object?>? tools = null,
        IReadOnlyDictionary<string, object?>? extraVariables = null, string? templateName = null, ChatTemplate? template = null)
    {
        template ??= templateName is null
            ? ChatTemplate ?? throw new InvalidOperationException("This tokenizer has no chat template.")
            : _chatTemplates.GetValueOrDefault(templateName) ?? throw new ArgumentException($"No chat template named '{templateName}'.", nameof(templateName));
        // As transformers' apply_chat_template: tools and documents are None when absent, plus the special tokens map.
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = tools,
            ["documents"] = null,
        };
        if (BosToken is not null) vars["bos_token"] = BosToken;
        if (EosToken is not null) vars["eos_token"] = EosToken;
        if (_unkToken is not null) vars["unk_token"] = _unkToken;
        if (_padToken is not null) vars["pad_token"] = _padToken;
        if (extraVariables is not null) foreach (var (k, v) in extraVariables) vars[k] = v;
        return template.Render(vars);
    }

    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var a) ? a.Content : _pipeline.Model.IdToToken(id);

    public int? TokenToId(string token) => _addedByContent.TryGetValue(token, out int id) ? id : _pipeline.Model.TokenToId(token);

    public bool IsSpecialToken(int id) => _addedById.TryGetValue(id, out var a) && a.Special;

    internal bool IsByteFallbackToken(int id) => _pipeline.Model.IdToToken(id) is { } t && ByteFallbackIds.ByteOf(t) >= 0 && !_addedById.ContainsKey(id);

    /// <summary>Which decoders join bytes across tokens; the streaming detokenizer holds back text they may still change.</summary>
    internal DecoderTraits DecoderTraits { get; }

    internal TokenizerPipeline Pipeline => _pipeline;
}
