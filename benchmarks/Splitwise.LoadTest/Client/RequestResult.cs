namespace Splitwise.LoadTest.Client;

/// <summary>
/// What one request measured. Times are milliseconds; <see cref="StartSeconds"/> is seconds after the run started.
/// A token event is a streamed chunk carrying output (see README); <see cref="ItlMs"/> holds the gaps between them.
/// </summary>
public sealed record RequestResult
{
    public required int Index { get; init; }
    public required double StartSeconds { get; init; }
    public required int PromptTokensPlanned { get; init; }
    public required int OutputTokensPlanned { get; init; }

    /// <summary>Null on success; otherwise the kind, e.g. http_500, timeout, malformed_sse, connection_error, cancelled.</summary>
    public string? Error { get; init; }
    public string? ErrorDetail { get; init; }

    public double TtftMs { get; init; }
    public double E2eMs { get; init; }
    public double[] ItlMs { get; init; } = [];

    /// <summary>From the final usage chunk when the server sent one.</summary>
    public int? PromptTokensReported { get; init; }
    public int? OutputTokensReported { get; init; }

    /// <summary>Streamed chunks that carried output.</summary>
    public int TokenEvents { get; init; }

    public bool Success => Error == null;

    /// <summary>Output tokens: the server's usage count, else the number of streamed chunks.</summary>
    public int OutputTokens => OutputTokensReported ?? TokenEvents;

    public int PromptTokens => PromptTokensReported ?? PromptTokensPlanned;

    /// <summary>TPOT = (E2E − TTFT)/(n − 1); undefined (null) for a single output token.</summary>
    public double? TpotMs => Success && OutputTokens > 1 ? (E2eMs - TtftMs) / (OutputTokens - 1) : null;

    public double EndSeconds => StartSeconds + E2eMs / 1000.0;
}
