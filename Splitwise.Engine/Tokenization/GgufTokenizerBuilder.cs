using Splitwise.Engine.Tokenization.Decoders;
using Splitwise.Engine.Tokenization.Models;
using Splitwise.Engine.Tokenization.Normalizers;
using Splitwise.Engine.Tokenization.Patterns;
using Splitwise.Engine.Tokenization.PreTokenizers;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// Builds a tokenizer from GGUF tokenizer.ggml.* metadata, as llama.cpp reads it: model "llama" is SentencePiece
/// (scores, byte fallback, "▁" for spaces), model "gpt2" is byte-level BPE with merges and a pre-tokenizer chosen
/// by tokenizer.ggml.pre. Control (3) and user-defined (4) tokens are matched in text as added tokens.
/// </summary>
internal static class GgufTokenizerBuilder
{
    private const int TypeControl = 3, TypeUserDefined = 4;

    public static Tokenizer Build(IReadOnlyDictionary<string, object> md)
    {
        var model = RequiredString(md, "tokenizer.ggml.model");
        var tokens = md.TryGetValue("tokenizer.ggml.tokens", out var t) && t is string[] ts ? ts
            : throw Error("tokenizer.ggml.tokens", "missing or not an array of strings");
        var types = md.TryGetValue("tokenizer.ggml.token_type", out var tt) ? IntArray(tt, "tokenizer.ggml.token_type") : null;
        if (types is not null && types.Length != tokens.Length)
            throw Error("tokenizer.ggml.token_type", $"has {types.Length} entries for {tokens.Length} tokens");

        var vocab = new Vocabulary(tokens.Select((tok, i) => new KeyValuePair<string, int>(tok, i)).ToList(), "GGUF tokenizer.ggml.tokens");

        var added = new List<AddedToken>();
        if (types is not null)
            for (int i = 0; i < tokens.Length; i++)
                if (types[i] is TypeControl or TypeUserDefined && tokens[i].Length > 0)
                    added.Add(new AddedToken(i, tokens[i], Special: types[i] == TypeControl));

        var settings = new TokenizerSettings { TokenizerClass = "GGUF" };
        int? bos = OptionalInt(md, "tokenizer.ggml.bos_token_id"), eos = OptionalInt(md, "tokenizer.ggml.eos_token_id");
        settings.BosTokenId = bos;
        if (bos is { } b && (uint)b < tokens.Length) settings.BosToken = tokens[b];
        if (eos is { } e && (uint)e < tokens.Length) { settings.EosToken = tokens[e]; settings.EosTokenIds.Add(e); }
        foreach (var key in new[] { "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
            if (OptionalInt(md, key) is { } extra && !settings.EosTokenIds.Contains(extra)) settings.EosTokenIds.Add(extra);
        if (md.TryGetValue("tokenizer.chat_template", out var ct) && ct is string template) settings.ChatTemplates["default"] = template;
        foreach (var (key, value) in md)
            if (key.StartsWith("tokenizer.chat_template.", StringComparison.Ordinal) && value is string named)
                settings.ChatTemplates[key["tokenizer.chat_template.".Length..]] = named;

        TokenizerPipeline pipeline;
        switch (model)
        {
            case "llama":
            {
                var scores = md.TryGetValue("tokenizer.ggml.scores", out var sc) && sc is float[] fs ? fs
                    : throw Error("tokenizer.ggml.scores", "missing or not an array of float32");
                if (scores.Length != tokens.Length) throw Error("tokenizer.ggml.scores", $"has {scores.Length} entries for {tokens.Length} tokens");
                int? unk = OptionalInt(md, "tokenizer.ggml.unknown_token_id");
                bool addSpacePrefix = OptionalBool(md, "tokenizer.ggml.add_space_prefix") ?? true;
                var normalizers = new List<Normalizer>();
                if (addSpacePrefix) normalizers.Add(new PrependNormalizer("\u2581"));
                normalizers.Add(new ReplaceNormalizer(SplitPattern.Literal(" "), "\u2581"));
                var decoder = new SequenceDecoder(
                [
                    new ReplaceDecoder(SplitPattern.Literal("\u2581"), " "),
                    new ByteFallbackDecoder(),
                    new FuseDecoder(),
                    .. addSpacePrefix ? new Decoder[] { new StripDecoder(' ', 1, 0) } : [],
                ]);
                pipeline = new TokenizerPipeline(new SequenceNormalizer(normalizers), null, new SentencePieceModel(vocab, scores, unk), null, decoder, added);
                settings.AddBosToken = OptionalBool(md, "tokenizer.ggml.add_bos_token") ?? true;
                settings.AddEosToken = OptionalBool(md, "tokenizer.ggml.add_eos_token") ?? false;
                break;
            }
            case "gpt2":
            {
                var mergeLines = md.TryGetValue("tokenizer.ggml.merges", out var mg) && mg is string[] ms ? ms
                    : throw Error("tokenizer.ggml.merges", "missing or not an array of strings");
                var merges = new List<(string, string)>(mergeLines.Length);
                for (int i = 0; i < mergeLines.Length; i++)
                {
                    int sp = mergeLines[i].IndexOf(' ', 1);
                    if (sp <= 0) throw Error("tokenizer.ggml.merges", $"entry {i} {TokenizerFormatException.Quote(mergeLines[i])} is not two tokens separated by a space");
                    merges.Add((mergeLines[i][..sp], mergeLines[i][(sp + 1)..]));
                }
                var pre = OptionalString(md, "tokenizer.ggml.pre") ?? "default";
                var (preTokenizer, ignoreMerges) = PreTokenizerFor(pre);
                var bpe = new BpeModel(vocab, merges, new BpeOptions(IgnoreMerges: ignoreMerges), "GGUF tokenizer.ggml.merges");
                pipeline = new TokenizerPipeline(null, preTokenizer, bpe, null, new ByteLevelDecoder(), added);
                settings.AddBosToken = OptionalBool(md, "tokenizer.ggml.add_bos_token") ?? false;
                settings.AddEosToken = OptionalBool(md, "tokenizer.ggml.add_eos_token") ?? false;
                break;
            }
            default:
                throw Error("tokenizer.ggml.model", $"'{model}' is not supported (llama or gpt2)");
        }
        return new Tokenizer(pipeline, settings);
    }

    /// <summary>llama.cpp's pre-tokenizer types for the vocabularies we load.</summary>
    private static (PreTokenizer Pre, bool IgnoreMerges) PreTokenizerFor(string pre)
    {
        static PreTokenizer SplitThenBytes(string regex) => new SequencePreTokenizer(
            [new SplitPreTokenizer(SplitPattern.Regex(regex), SplitBehavior.Isolated, false), new ByteLevelPreTokenizer(false, false)]);
        return pre switch
        {
            "llama3" or "llama-bpe" or "llama-v3" => (SplitThenBytes(TiktokenStylePattern.Llama3), true),
            "qwen2" or "qwen35" => (SplitThenBytes(TiktokenStylePattern.Qwen2), false),
            "smollm" or "starcoder" or "refact" or "command-r" =>
                (new SequencePreTokenizer([new DigitsPreTokenizer(true), new ByteLevelPreTokenizer(false, true)]), false),
            "default" or "gpt-2" or "gpt2" => (new ByteLevelPreTokenizer(false, true), false),
            _ => throw Error("tokenizer.ggml.pre", $"pre-tokenizer '{pre}' is not supported (llama-bpe, llama3, qwen2, smollm, starcoder, refact, command-r, gpt-2, default)"),
        };
    }

    private static TokenizerFormatException Error(string key, string problem) => new($"GGUF metadata {key}: {problem}");

    private static string RequiredString(IReadOnlyDictionary<string, object> md, string key) =>
        OptionalString(md, key) ?? throw Error(key, "missing");

    private static string? OptionalString(IReadOnlyDictionary<string, object> md, string key) =>
        md.TryGetValue(key, out var v) ? v as string ?? throw Error(key, $"expected a string, found {v.GetType().Name}") : null;

    private static int? OptionalInt(IReadOnlyDictionary<string, object> md, string key)
    {
        if (!md.TryGetValue(key, out var v)) return null;
        try { return checked((int)Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)); }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException) { throw Error(key, $"expected an integer, found {v}"); }
    }

    private static bool? OptionalBool(IReadOnlyDictionary<string, object> md, string key) =>
        md.TryGetValue(key, out var v) ? v as bool? ?? throw Error(key, $"expected a bool, found {v.GetType().Name}") : null;

    private static int[] IntArray(object v, string key) => v switch
    {
        int[] a => a,
        Array a when a.GetType().GetElementType() is { IsPrimitive: true } => a.Cast<object>().Select(x => checked((int)Convert.ToInt64(x, System.Globalization.CultureInfo.InvariantCulture))).ToArray(),
        _ => throw Error(key, "expected an array of integers"),
    };
}
