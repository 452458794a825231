namespace Splitwise.Gateway.OpenAi;

/// <summary>
/// Finds stop strings in streamed text without ever emitting part of one: text that could still grow into a
/// stop string is held back until the next piece settles it.
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stops)
{
    private readonly int _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    private string _pending = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds decoded text; returns what can be emitted now. After a match, returns the text before it and sets <see cref="Stopped"/>.</summary>
    public string Append(string text)
    {
        if (Stopped) return "";
        _pending += text;
        if (stops.Count == 0) return Take(_pending.Length);
        int cut = -1;
        foreach (var stop in stops)
        {
            int at = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            var before = _pending[..cut];
            _pending = "";
            return before;
        }
        return Take(Math.Max(0, _pending.Length - _holdBack));
    }

    /// <summary>The held-back text, once the stream has ended without a match.</summary>
    public string Flush() => Stopped ? "" : Take(_pending.Length);

    private string Take(int count)
    {
        // Never split a surrogate pair between two emissions.
        if (count > 0 && count < _pending.Length && char.IsHighSurrogate(_pending[count - 1])) count--;
        var head = _pending[..count];
        _pending = _pending[count..];
        return head;
    }
}
