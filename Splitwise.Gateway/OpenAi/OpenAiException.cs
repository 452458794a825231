namespace Splitwise.Gateway.OpenAi;

/// <summary>A request the API refuses, carried to the handler's edge and written as an OpenAI error body.</summary>
public sealed class OpenAiException(int status, string message, string? param = null, string? code = null, string? type = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type ?? status switch
    {
        401 => "authentication_error",
        404 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
    /// <summary>Seconds for a Retry-After header (429/503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static OpenAiException BadRequest(string message, string? param = null, string? code = null) => new(400, message, param, code);
}
