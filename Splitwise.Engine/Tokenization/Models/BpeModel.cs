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
    private readonly int[] _charIds; // single BMP characters: id or -1, so starting a word needs no hashing
    private int _cacheCount;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;

    public BpeModel(Vocabulary vocab, IReadOnlyList<(string Left, string Right)> merges, BpeOptions options, string source)
    {
        _vocab = vocab;
        _options = options;
        _merges = new Dictionary<long, (int, int)>(merges.Count, PairKeyComparer.Instance);
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
        _charIds = new int[65536];
        Array.Fill(_charIds, -1);
        for (int c = 0; c < 65536; c++)
            if (!char.IsSurrogate((char)c) && vocab.TryGetId(((char)c).ToString(), out int cid)) _charIds[c] = cid;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static string Quote(string s) => TokenizerFormatException.Quote(s);
    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    public override int VocabSize => _vocab.Count;
    public override string? IdToToken(int id) => _vocab.Token(id);
    public override int? TokenToId(string token) => _vocab.TryGetId(token, out int id) ? id : null;

    /// <summary>Encodes a piece given as a span; allocates only when the piece is not cached yet.</summary>
    public void EncodeSpan(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (_options.IgnoreMerges && _vocab.TryGetId(piece, out int whole)) { ids.Add(whole); return; }
        if (_cacheBySpan.TryGetValue(piece, out var cached)) { ids.AddRange(cached); return; }
        Encode(piece.ToString(), ids);
    }

    public override void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (_options.IgnoreMerges && _vocab.TryGetId(piece, out int whole)) { ids.Add(whole); return; }
        if (_cacheBySpan.TryGetValue(piece.AsSpan(), out var cached)) { ids.AddRange(cached); return; }
        var result = EncodeUncached(piece);
        // ConcurrentDictionary.Count takes every lock; an approximate counter is enough for the size cap.
        if (Volatile.Read(ref _cacheCount) < CacheLimit && _cache.TryAdd(piece, result)) Interlocked.Increment(ref _cacheCount);
        ids.AddRange(result);
    }

    private int[] EncodeUncached(string piece)
    {
        // Symbols start as characters; byte fallback can make up to 4 per UTF-16 unit.
        int capacity = piece.Length * (_byteIds is null ? 1 : 4);
        int[]? rented = capacity > 256 ? System.Buffers.ArrayPool<int>.Shared.Rent(capacity) : null;
        Span<int> symbols = rented ?? stackalloc int[256];
        int n = InitialSymbols(piece, symbols);
        int[] result;
        if (n <= BpeWord.ShortLimit) result = symbols[..BpeWord.MergeShort(symbols[..n], _merges)].ToArray();
        else
        {
            var word = new BpeWord(n);
            foreach (int id in symbols[..n]) word.Add(id);
            word.MergeAll(_merges);
            result = word.ToIds();
        }
        if (rented is not null) System.Buffers.ArrayPool<int>.Shared.Return(rented);
        return result;
    }

    private int InitialSymbols(string piece, Span<int> symbols)
    {
        int n = 0;
        int unk = _options.UnkId ?? -1;
        bool lastWasUnk = false;
        bool affixes = !string.IsNullOrEmpty(_options.ContinuingSubwordPrefix) || !string.IsNullOrEmpty(_options.EndOfWordSuffix);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < piece.Length;)
        {
            int w = char.IsSurrogatePair(piece, i) ? 2 : 1;
            int id;
            bool found;
            if (!affixes) found = w == 1 ? (id = _charIds[piece[i]]) >= 0 : _vocab.TryGetId(piece.AsSpan(i, w), out id);
            else
            {
                string? prefix = i == 0 ? null : _options.ContinuingSubwordPrefix;
                string? suffix = i + w == piece.Length ? _options.EndOfWordSuffix : null;
                found = _vocab.TryGetId(prefix + piece.Substring(i, w) + suffix, out id);
            }
            i += w;
            if (found) { symbols[n++] = id; lastWasUnk = false; continue; }
            if (_byteIds is not null)
            {
                int count = Encoding.UTF8.GetBytes(piece.AsSpan(i - w, w), utf8);
                for (int k = 0; k < count; k++) symbols[n++] = _byteIds[utf8[k]];
                lastWasUnk = false;
                continue;
            }
            if (unk < 0) continue; // Hugging Face drops a character it cannot represent when there is no unk token.
            if (!(_options.FuseUnk && lastWasUnk)) symbols[n++] = unk;
            lastWasUnk = true;
        }
        return n;
    }
}
