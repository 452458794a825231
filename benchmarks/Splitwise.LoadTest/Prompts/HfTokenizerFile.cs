using System.Text.Json;

namespace Splitwise.LoadTest.Prompts;

/// <summary>
/// Just enough of a Hugging Face <c>tokenizer.json</c> (BPE model) to decide which lowercase ASCII words encode as exactly one
/// token after a space, and how many special tokens the post-processor adds to a single sequence. Supports byte-level BPE
/// (GPT-2/Llama 3/Qwen style, space = 'Ġ') and SentencePiece-style BPE (Llama 2/Mistral style, space = '▁').
/// </summary>
public sealed class HfTokenizerFile
{
    private readonly HashSet<string> _vocab;
    private readonly Dictionary<(string, string), int> _mergeRanks;

    private HfTokenizerFile(HashSet<string> vocab, Dictionary<(string, string), int> ranks, bool byteLevel, int added)
    {
        _vocab = vocab;
        _mergeRanks = ranks;
        IsByteLevel = byteLevel;
        AddedTokens = added;
    }

    /// <summary>True for byte-level BPE (words need a leading space); false for SentencePiece-style (the normalizer prepends '▁').</summary>
    public bool IsByteLevel { get; }

    /// <summary>Special tokens the post-processor adds to one sequence (e.g. 1 for a BOS).</summary>
    public int AddedTokens { get; }

    public static HfTokenizerFile Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.GetProperty("type").GetString() != "BPE")
            throw new FormatException($"{path}: model.type is not BPE; only BPE tokenizers are supported for exact text prompts (use token-id prompts instead).");
        var vocab = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in model.GetProperty("vocab").EnumerateObject()) vocab.Add(p.Name);
        var ranks = new Dictionary<(string, string), int>();
        int rank = 0;
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            (string, string) pair;
            if (m.ValueKind == JsonValueKind.Array) pair = (m[0].GetString()!, m[1].GetString()!);
            else
            {
                var s = m.GetString()!;
                int sp = s.IndexOf(' ', 1);
                if (sp < 0) throw new FormatException($"{path}: merge #{rank} '{s}' is not 'LEFT RIGHT'.");
                pair = (s[..sp], s[(sp + 1)..]);
            }
            ranks.TryAdd(pair, rank++);
        }
        string pre = root.TryGetProperty("pre_tokenizer", out var pt) ? pt.GetRawText() : "";
        string norm = root.TryGetProperty("normalizer", out var nm) ? nm.GetRawText() : "";
        bool byteLevel = pre.Contains("\"ByteLevel\"", StringComparison.Ordinal);
        if (!byteLevel && !(norm.Contains("\\u2581", StringComparison.Ordinal) || norm.Contains('▁') || pre.Contains("Metaspace", StringComparison.Ordinal)))
            throw new FormatException($"{path}: neither a ByteLevel pre-tokenizer nor a '▁' (Metaspace) normalizer; cannot make exact text prompts for it.");
        int added = root.TryGetProperty("post_processor", out var post) ? CountAdded(post) : 0;
        return new HfTokenizerFile(vocab, ranks, byteLevel, added);
    }

    /// <summary>True when " word" (byte-level) or "▁word" (SentencePiece) is one vocabulary entry that BPE actually reaches.</summary>
    public bool EncodesAsSingleToken(string word)
    {
        if (word.Length == 0 || !word.All(char.IsAsciiLetterLower)) return false;
        string piece = (IsByteLevel ? "Ġ" : "▁") + word;
        if (!_vocab.Contains(piece)) return false;
        var symbols = piece.Select(c => c.ToString()).ToList();
        while (symbols.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_mergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank)
                {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
        return symbols.Count == 1 && symbols[0] == piece;
    }

    private static int CountAdded(JsonElement post)
    {
        if (post.ValueKind != JsonValueKind.Object) return 0;
        string type = post.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        switch (type)
        {
            case "TemplateProcessing":
                return post.GetProperty("single").EnumerateArray().Count(e => e.TryGetProperty("SpecialToken", out _));
            case "BertProcessing":
            case "RobertaProcessing":
                return 2;
            case "Sequence":
                return post.GetProperty("processors").EnumerateArray().Sum(CountAdded);
            default:
                return 0;
        }
    }
}
