using System.Text.Json;

namespace Splitwise.Gateway.OpenAi;

/// <summary>Writes {"error":{"message","type","param","code"}} with the right status and headers.</summary>
public static class OpenAiErrors
{
    public static async Task WriteAsync(HttpContext context, OpenAiException error)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Body(error));
    }

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Body(OpenAiException error) => JsonSerializer.Serialize(new
    {
        error = new { message = error.Message, type = error.Type, param = error.Param, code = error.Code },
    }, Json);
}
