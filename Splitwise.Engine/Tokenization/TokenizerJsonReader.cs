using System.Text.Json;
using Splitwise.Engine.Tokenization.Decoders;
using Splitwise.Engine.Tokenization.Models;
using Splitwise.Engine.Tokenization.Normalizers;
using Splitwise.Engine.Tokenization.Patterns;
using Splitwise.Engine.Tokenization.PostProcessors;
using Splitwise.Engine.Tokenization.PreTokenizers;

namespace Splitwise.Engine.Tokenization;

/// <summary>Reads a Hugging Face tokenizer.json into a <see cref="TokenizerPipeline"/>; unknown or malformed parts are errors naming the field.</summary>
internal static class TokenizerJsonReader
{
    public static TokenizerPipeline Read(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw new TokenizerFormatException($"{source}: not valid JSON ({e.Message})", e); }
        using (doc)
        {
            var root = new JsonFields(doc.RootElement, source, "");
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw root.Error("expected a JSON object at the top level");
            var added = root.Has("added_tokens") ? root.Array("added_tokens").Select(ReadAddedToken).ToList() : [];
            var model = ReadModel(root.Object("model"), source);
            var normalizer = root.OptionalObject("normalizer") is { } n ? ReadNormalizer(n) : null;
            var pre = root.OptionalObject("pre_tokenizer") is { } p ? ReadPreTokenizer(p) : null;
            var post = root.OptionalObject("post_processor") is { } pp ? ReadPostProcessor(pp, model, added) : null;
            var decoder = root.OptionalObject("decoder") is { } d ? ReadDecoder(d) : null;
            return new TokenizerPipeline(normalizer, pre, model, post, decoder, added);
        }
    }

    private static AddedToken ReadAddedToken(JsonFields t)
    {
        int id = t.Int("id", -1);
        if (id < 0) throw t.Error("added token needs a non-negative 'id'");
        var content = t.String("content");
        if (content.Length == 0) throw t.Error("added token has empty 'content'");
        bool special = t.Bool("special", false);
        return new AddedToken(id, content, special, t.Bool("lstrip", false), t.Bool("rstrip", false), t.Bool("normalized", !special), t.Bool("single_word", false));
    }

    private static TokenModel ReadModel(JsonFields m, string source)
    {
        var type = m.OptionalString("type") ?? (m.Has("merges") ? "BPE" : null);
        if (type != "BPE")
            throw m.Child("type").Error($"model type '{type ?? "(missing)"}' is not supported (only BPE)");
        var vocabJson = m.Object("vocab");
        var entries = new List<KeyValuePair<string, int>>();
        foreach (var p in vocabJson.Element.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id))
                throw vocabJson.Error($"token {TokenizerFormatException.Quote(p.Name)} has id {p.Value.GetRawText()}, expected an integer");
            entries.Add(new(p.Name, id));
        }
        var vocab = new Vocabulary(entries, $"{source}: model.vocab");
        var merges = new List<(string, string)>();
        if (m.Has("merges"))
            foreach (var item in m.Array("merges"))
            {
                var e = item.Element;
                if (e.ValueKind == JsonValueKind.String)
                {
                    var s = e.GetString()!;
                    int sp = s.IndexOf(' ', 1);
                    if (sp <= 0 || sp == s.Length - 1 || s.IndexOf(' ', sp + 1) >= 0) throw item.Error($"merge {TokenizerFormatException.Quote(s)} is not two tokens separated by one space");
                    merges.Add((s[..sp], s[(sp + 1)..]));
                }
                else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String)
                    merges.Add((e[0].GetString()!, e[1].GetString()!));
                else throw item.Error("a merge must be \"a b\" or [\"a\", \"b\"]");
            }
        int? unk = null;
        if (m.OptionalString("unk_token") is { } unkToken)
            unk = vocab.TryGetId(unkToken, out int u) ? u : throw m.Child("unk_token").Error($"unk token {TokenizerFormatException.Quote(unkToken)} is not in the vocabulary");
        if (m.Has("dropout") && m.Child("dropout").Element.ValueKind == JsonValueKind.Number && m.Child("dropout").Element.GetDouble() > 0)
            throw m.Child("dropout").Error("BPE dropout is not supported for inference");
        var options = new BpeOptions(unk, m.Bool("fuse_unk", false), m.Bool("byte_fallback", false), m.Bool("ignore_merges", false),
            NullIfEmpty(m.OptionalString("continuing_subword_prefix")), NullIfEmpty(m.OptionalString("end_of_word_suffix")));
        return new BpeModel(vocab, merges, options, $"{source}: model");
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static SplitPattern ReadPattern(JsonFields owner)
    {
        var p = owner.Object("pattern");
        if (p.OptionalString("String") is { } literal) return SplitPattern.Literal(literal);
        if (p.OptionalString("Regex") is { } regex)
        {
            try { return SplitPattern.Regex(regex); }
            catch (TokenizerFormatException e) { throw p.Error(e.Message); }
        }
        throw p.Error("pattern must be {\"String\": ...} or {\"Regex\": ...}");
    }

    private static Normalizer ReadNormalizer(JsonFields n)
    {
        var type = n.String("type");
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(true, false),
            "NFD" => new UnicodeFormNormalizer(false, false),
            "NFKC" => new UnicodeFormNormalizer(true, true),
            "NFKD" => new UnicodeFormNormalizer(false, true),
            "Lowercase" => new LowercaseNormalizer(),
            "Prepend" => new PrependNormalizer(n.String("prepend")),
            "Replace" => new ReplaceNormalizer(ReadPattern(n), n.String("content")),
            "Strip" => new StripNormalizer(n.Bool("strip_left", true), n.Bool("strip_right", true)),
            "Sequence" => new SequenceNormalizer(n.Array("normalizers").Select(ReadNormalizer).ToList()),
            _ => throw n.Child("type").Error($"normalizer type '{type}' is not supported"),
        };
    }

    private static PreTokenizer ReadPreTokenizer(JsonFields p)
    {
        var type = p.String("type");
        return type switch
        {
            "ByteLevel" => new ByteLevelPreTokenizer(p.Bool("add_prefix_space", true), p.Bool("use_regex", true)),
            "Split" => new SplitPreTokenizer(ReadPattern(p), ReadBehavior(p), p.Bool("invert", false)),
            "Metaspace" => new MetaspacePreTokenizer(ReadChar(p, "replacement", '\u2581'), ReadPrependScheme(p), p.Bool("split", true)),
            "Digits" => new DigitsPreTokenizer(p.Bool("individual_digits", false)),
            "Whitespace" => new WhitespacePreTokenizer(true),
            "WhitespaceSplit" => new WhitespacePreTokenizer(false),
            "Sequence" => new SequencePreTokenizer(p.Array("pretokenizers").Select(ReadPreTokenizer).ToList()),
            _ => throw p.Child("type").Error($"pre-tokenizer type '{type}' is not supported"),
        };
    }

    private static SplitBehavior ReadBehavior(JsonFields p)
    {
        var b = p.String("behavior");
        return b switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw p.Child("behavior").Error($"unknown split behavior '{b}'"),
        };
    }

    private static PrependScheme ReadPrependScheme(JsonFields p)
    {
        if (p.OptionalString("prepend_scheme") is { } s)
            return s switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                _ => throw p.Child("prepend_scheme").Error($"unknown prepend_scheme '{s}'"),
            };
        return p.Bool("add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never;
    }

    private static char ReadChar(JsonFields p, string name, char fallback)
    {
        var s = p.OptionalString(name);
        if (s is null) return fallback;
        return s.Length == 1 ? s[0] : throw p.Child(name).Error($"expected a single character, found {TokenizerFormatException.Quote(s)}");
    }

    private static PostProcessor ReadPostProcessor(JsonFields p, TokenModel model, List<AddedToken> added)
    {
        var type = p.String("type");
        switch (type)
        {
            case "ByteLevel":
                return new IdentityProcessor();
            case "Sequence":
                return new SequenceProcessor(p.Array("processors").Select(x => ReadPostProcessor(x, model, added)).ToList());
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (p.Has("special_tokens"))
                {
                    var st = p.Object("special_tokens");
                    foreach (var prop in st.Element.EnumerateObject())
                    {
                        var entry = st.Object(prop.Name);
                        specials[prop.Name] = entry.Array("ids").Select(i => i.Element.ValueKind == JsonValueKind.Number ? i.Element.GetInt32() : throw i.Error("expected an integer id")).ToArray();
                    }
                }
                var pieces = new List<TemplatePiece>();
                foreach (var item in p.Array("single"))
                {
                    if (item.Has("Sequence")) { pieces.Add(new TemplatePiece(null)); continue; }
                    if (item.Has("SpecialToken"))
                    {
                        var id = item.Object("SpecialToken").String("id");
                        pieces.Add(new TemplatePiece(specials.TryGetValue(id, out var ids) ? ids
                            : throw item.Error($"special token '{id}' is not listed in special_tokens")));
                        continue;
                    }
                    throw item.Error("template item must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
                }
                return new TemplateProcessor(pieces);
            }
            case "BertProcessing" or "RobertaProcessing":
            {
                int[] Pair(string name)
                {
                    var arr = p.Child(name).Element;
                    if (arr.ValueKind != JsonValueKind.Array || arr.GetArrayLength() != 2 || arr[1].ValueKind != JsonValueKind.Number)
                        throw p.Child(name).Error("expected [token, id]");
                    return [arr[1].GetInt32()];
                }
                return new TemplateProcessor([new TemplatePiece(Pair("cls")), new TemplatePiece(null), new TemplatePiece(Pair("sep"))]);
            }
            default:
                throw p.Child("type").Error($"post-processor type '{type}' is not supported");
        }
    }

    private static Decoder ReadDecoder(JsonFields d)
    {
        var type = d.String("type");
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(ReadChar(d, "content", ' '), d.Int("start", 0), d.Int("stop", 0)),
            "Replace" => new ReplaceDecoder(ReadPattern(d), d.String("content")),
            "Metaspace" => new MetaspaceDecoder(ReadChar(d, "replacement", '\u2581'), ReadPrependScheme(d)),
            "WordPiece" => new WordPieceDecoder(d.OptionalString("prefix") ?? "##"),
            "Sequence" => new SequenceDecoder(d.Array("decoders").Select(ReadDecoder).ToList()),
            _ => throw d.Child("type").Error($"decoder type '{type}' is not supported"),
        };
    }
}
