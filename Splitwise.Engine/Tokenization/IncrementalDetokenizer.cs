using System.Text;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// Turns a stream of generated ids into text increments for SSE. Text is emitted only once it is final: a
/// trailing incomplete UTF-8 sequence (byte-level vocabularies) or a trailing run of &lt;0xNN&gt; tokens
/// (SentencePiece byte fallback) is held back until it completes, and SentencePiece's leading-space rule
/// applies to the first token only. The increments always concatenate to
/// <c>Decode(allIds, skipSpecialTokens, cleanUpTokenizationSpaces: false)</c>.
/// Each step decodes only a short window: text between two stable points does not depend on what comes later.
/// </summary>
public sealed class IncrementalDetokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<int> _ids = [];
    private int _windowStart;     // a stable token index; the window is decoded from here
    private int _emittedEnd;      // tokens whose text has been emitted
    private string _windowText = ""; // Decode(_ids[_windowStart.._emittedEnd])

    internal IncrementalDetokenizer(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    public IReadOnlyList<int> Ids => _ids;

    /// <summary>Adds one id; returns the text that became final (often empty).</summary>
    public string Add(int id)
    {
        _ids.Add(id);
        return EmitUpTo(StableEnd());
    }

    /// <summary>Adds several ids; returns the text that became final.</summary>
    public string Add(ReadOnlySpan<int> ids)
    {
        foreach (var id in ids) _ids.Add(id);
        return EmitUpTo(StableEnd());
    }

    /// <summary>The end of the sequence: returns all text still held back.</summary>
    public string Finish() => EmitUpTo(_ids.Count);

    private string EmitUpTo(int end)
    {
        if (end <= _emittedEnd) return "";
        string text = Decode(_windowStart, end);
        string delta;
        if (text.StartsWith(_windowText, StringComparison.Ordinal)) delta = text[_windowText.Length..];
        else
        {
            // Not expected for the decoders we know; fall back to decoding from the start, which is always right.
            string before = Decode(0, _emittedEnd), after = Decode(0, end);
            delta = after.StartsWith(before, StringComparison.Ordinal) ? after[before.Length..] : "";
            _windowStart = 0;
        }
        // Slide the window so it starts at the previous stable point, keeping it short. A window must begin with
        // text, or a Strip decoder would eat the first space of the next step's text.
        string next = Decode(_emittedEnd, end);
        if (next.Length > 0 && _emittedEnd > 0) { _windowStart = _emittedEnd; _windowText = next; }
        else _windowText = Decode(_windowStart, end);
        _emittedEnd = end;
        return delta;
    }

    private string Decode(int start, int end) =>
        _tokenizer.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids)[start..end], _skipSpecialTokens, cleanUpTokenizationSpaces: false);

    /// <summary>How many leading tokens have text that later tokens cannot change.</summary>
    private int StableEnd()
    {
        int end = _ids.Count;
        var traits = _tokenizer.DecoderTraits;
        if (traits.ByteFallback)
            while (end > _emittedEnd && _tokenizer.IsByteFallbackToken(_ids[end - 1])) end--;
        if (traits.ByteLevel) end = Math.Min(end, ByteLevelStableEnd());
        return end;
    }

    /// <summary>Excludes the tokens holding a trailing UTF-8 sequence that is not complete yet.</summary>
    private int ByteLevelStableEnd()
    {
        // Walk back over at most the last 4 bytes, remembering which token each came from.
        var tail = new List<(byte Byte, int Token)>();
        for (int t = _ids.Count - 1; t >= _emittedEnd && tail.Count < 4; t--)
        {
            var bytes = TokenBytes(_ids[t]);
            for (int k = bytes.Count - 1; k >= 0 && tail.Count < 4; k--) tail.Add((bytes[k], t));
            if (bytes.Count == 0 && tail.Count == 0) continue;
        }
        // tail[0] is the last byte. Find the last lead byte and see whether its sequence is complete.
        for (int k = 0; k < tail.Count; k++)
        {
            byte b = tail[k].Byte;
            if ((b & 0xC0) == 0x80) continue; // continuation byte
            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return need > k + 1 && b >= 0xC0 ? tail[k].Token : _ids.Count;
        }
        return _ids.Count;
    }

    private List<byte> TokenBytes(int id)
    {
        var bytes = new List<byte>();
        if (_tokenizer.IsSpecialToken(id) && _skipSpecialTokens) return bytes;
        var token = _tokenizer.IdToToken(id);
        if (token is null) return bytes;
        if (!ByteLevelAlphabet.TryDecode(token, bytes)) bytes.AddRange(Encoding.UTF8.GetBytes(token));
        return bytes;
    }
}
