namespace Splitwise.Engine.Tokenization.Models;

/// <summary>Token strings and ids in both directions; lookups by span do not allocate.</summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;
    private readonly string?[] _tokens;

    public Vocabulary(IReadOnlyList<KeyValuePair<string, int>> entries, string source)
    {
        _ids = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
        int max = -1;
        foreach (var (token, id) in entries)
        {
            if (id < 0) throw new TokenizerFormatException($"{source}: token {Quote(token)} has negative id {id}");
            _ids.TryAdd(token, id); // a repeated piece (GGUF allows it) keeps its first id
            max = Math.Max(max, id);
        }
        _tokens = new string?[max + 1];
        foreach (var (token, id) in entries)
        {
            if (_tokens[id] is { } other && other != token)
                throw new TokenizerFormatException($"{source}: id {id} is used by both {Quote(other)} and {Quote(token)}");
            _tokens[id] = token;
        }
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static string Quote(string s) => TokenizerFormatException.Quote(s);

    public int Count => _tokens.Length;
    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanIds.TryGetValue(token, out id);
    public string? Token(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;
}
