using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Streaming;

/// <summary>
/// One sequence's output, assembled from whichever machines produced it (the prompt machine's first token, the token
/// machine's rest, a replacement machine's continuation after a failure) strictly in token order: a token already
/// passed on is dropped, a token that would leave a gap is refused, and nothing follows the finish.
/// </summary>
public sealed class TokenStreamAssembler
{
    private readonly List<int> _output = [];

    /// <summary>Token ids passed on so far; a replacement machine re-prefills them after the prompt.</summary>
    public IReadOnlyList<int> Output => _output;
    public int Count => _output.Count;
    public bool Finished { get; private set; }
    public int Duplicates { get; private set; }

    /// <summary>Returns the event to pass on, or null for a duplicate. Throws <see cref="TokenStreamGapException"/> on a gap.</summary>
    public GenerationEvent? Accept(GenerationEvent ev)
    {
        if (Finished) { Duplicates++; return null; }
        if (ev.Token is { } token)
        {
            if (ev.Index < _output.Count) { Duplicates++; return null; }
            if (ev.Index > _output.Count) throw new TokenStreamGapException($"Token {ev.Index} arrived when token {_output.Count} was expected.");
            _output.Add(token.Id);
        }
        else if (ev.Finish is null)
        {
            return null;
        }
        if (ev.Finish is not null) Finished = true;
        return ev;
    }
}

/// <summary>A machine skipped tokens: its stream cannot be trusted, and the sequence resumes elsewhere.</summary>
public sealed class TokenStreamGapException(string message) : Exception(message);
