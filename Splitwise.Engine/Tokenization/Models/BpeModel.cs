using System.Collections.Concurrent;
using System.Text;

namespace Splitwise.Engine.Tokenization.Models;

/// <summary>Options of a BPE model, as in tokenizer.json.</summary>
internal sealed record BpeOptions(
    int? UnkId = null,
    bool FuseUnk = false,
    bool ByteFallback = false,
    bool IgnoreMerges = false,
    string? ContinuingSubwordPrefix = null,
    string? EndOfWordSuffix = null);

/// <summary>
/// Byte-pair encoding with ranked merges: a piece starts as characters (or byte tokens, or unk) and the
/// lowest-ranked adjacent pair is merged until none is left. Results are cached per piece.
/// </summary>
internal sealed class BpeModel : TokenModel
{
    private const int CacheLimit = 200_000;
    private readonly Vocabulary _vocab;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly BpeOptions _options;
    private readonly int[]? _byteIds;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    public BpeModel(Vocabulary vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options, string source)
    {
        _vocab = vocab;
        _options = options;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        int prefixLength = options.ContinuingSubwordPrefix?.Length ?? 0;
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetId(l, out int a)) throw new TokenizerFormatException($"{source}: merge {rank} \"{l} {r}\": {Quote(l)} is not in the vocabulary");
            if (!vocab.TryGetId(r, out int b)) throw new TokenizerFormatException($"{source}: merge {rank} \"{l} {r}\": {Quote(r)} is not in the vocabulary");
            string merged = l + (prefixLength > 0 && r.StartsWith(options.ContinuingSubwordPrefix!, StringComparison.Ordinal) ? r[prefixLength..] : r);
            if (!vocab.TryGetId(merged, out int id)) throw new TokenizerFormatException($"{source}: merge {rank} \"{l} {r}\": the result {Quote(merged)} is not in the vocabulary");
            _merges.TryAdd(Key(a, b), (rank, id));
        }
        if (options.ByteFallback) _byteIds = ByteFallbackIds.Find(vocab);
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static string Quote(string s) => TokenizerFormatException.Quote(s);
    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    public override int VocabSize => _vocab.Count;
    public override string? IdToToken(int id) => _vocab.Token(id);
    public override int? TokenToId(string token) => _vocab.TryGetId(token, out int id) ? id : null;

    public override void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (_cacheBySpan.TryGetValue(piece.AsSpan(), out var cached)) { ids.AddRange(cached); return; }
        if (_options.IgnoreMerges && _vocab.TryGetId(piece, out int whole)) { ids.Add(whole); return; }
        var result = EncodeUncached(piece);
        if (_cache.Count < CacheLimit) _cache.TryAdd(piece, result);
        ids.AddRange(result);
    }

    private int[] EncodeUncached(string piece)
    {
        var word = new BpeWord(piece.Length);
        int unk = _options.UnkId ?? -1;
        bool lastWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < piece.Length;)
        {
            int w = char.IsSurrogatePair(piece, i) ? 2 : 1;
            bool first = i == 0, last = i + w == piece.Length;
            string? prefix = first ? null : _options.ContinuingSubwordPrefix;
            string? suffix = last ? _options.EndOfWordSuffix : null;
            int id;
            bool found = string.IsNullOrEmpty(prefix) && string.IsNullOrEmpty(suffix)
                ? _vocab.TryGetId(piece.AsSpan(i, w), out id)
                : _vocab.TryGetId(prefix + piece.Substring(i, w) + suffix, out id);
            i += w;
            if (found) { word.Add(id); lastWasUnk = false; continue; }
            if (_byteIds is not null)
            {
                int n = Encoding.UTF8.GetBytes(piece.AsSpan(i - w, w), utf8);
                for (int k = 0; k < n; k++) word.Add(_byteIds[utf8[k]]);
                lastWasUnk = false;
                continue;
            }
            if (unk < 0) continue; // Hugging Face drops a character it cannot represent when there is no unk token.
            if (!(_options.FuseUnk && lastWasUnk)) word.Add(unk);
            lastWasUnk = true;
        }
        word.MergeAll(_merges);
        return word.ToIds();
    }
}
