using System.Text;

namespace Splitwise.Engine.Tokenization.Models;

/// <summary>
/// SentencePiece BPE driven by piece scores (a GGUF "llama" vocabulary): adjacent symbols whose concatenation is a
/// piece merge, highest score first and leftmost on ties; a symbol left outside the vocabulary becomes its UTF-8
/// byte tokens, or unk.
/// </summary>
internal sealed class SentencePieceModel(Vocabulary vocab, float[] scores, int? unkId) : TokenModel
{
    private readonly int[]? _byteIds = ByteFallbackIds.Find(vocab);

    public override int VocabSize => vocab.Count;
    public override string? IdToToken(int id) => vocab.Token(id);
    public override int? TokenToId(string token) => vocab.TryGetId(token, out int id) ? id : null;

    public override void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        // Symbols are UTF-16 ranges [start, start+len) linked left to right.
        int n = 0;
        var start = new int[piece.Length];
        var len = new int[piece.Length];
        for (int i = 0; i < piece.Length; n++)
        {
            int w = char.IsSurrogatePair(piece, i) ? 2 : 1;
            start[n] = i; len[n] = w; i += w;
        }
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }

        var queue = new PriorityQueue<(int Left, int Right, int Length), (float NegScore, int Left)>(
            Comparer<(float NegScore, int Left)>.Create((a, b) => a.NegScore != b.NegScore ? a.NegScore.CompareTo(b.NegScore) : a.Left.CompareTo(b.Left)));
        void TryAdd(int l, int r)
        {
            if (l < 0 || r < 0) return;
            int total = len[l] + len[r];
            if (vocab.TryGetId(piece.AsSpan(start[l], total), out int id)) queue.Enqueue((l, r, total), (-scores[id], l));
        }
        for (int i = 0; i + 1 < n; i++) TryAdd(i, i + 1);
        while (queue.TryDequeue(out var bigram, out _))
        {
            int l = bigram.Left, r = bigram.Right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bigram.Length || next[l] != r) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            TryAdd(prev[l], l);
            TryAdd(l, next[l]);
        }
        for (int i = 0; i >= 0 && n > 0; i = next[i])
        {
            if (vocab.TryGetId(piece.AsSpan(start[i], len[i]), out int id)) { ids.Add(id); continue; }
            if (_byteIds is not null)
            {
                foreach (byte b in Encoding.UTF8.GetBytes(piece.Substring(start[i], len[i]))) ids.Add(_byteIds[b]);
                continue;
            }
            if (unkId is { } unk) ids.Add(unk);
        }
    }
}
