using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Hosting;

/// <summary>Writing <see cref="SiloJson"/> answers, errors and event streams; shared by the silo's and the gateway's cluster endpoints.</summary>
public static class ControlResponses
{
    public static async Task WriteJsonAsync<T>(HttpContext context, T value, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(SiloJson.SerializeToUtf8Bytes(value), context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ControlError error)
        => WriteJsonAsync(context, new ControlErrorBody(error), error.Status);

    /// <summary>Reads the body as <typeparamref name="T"/>, or answers 400 naming what is wrong and returns null.</summary>
    public static async Task<T?> ReadBodyAsync<T>(HttpContext context) where T : class
    {
        try
        {
            return await SiloJson.DeserializeAsync<T>(context.Request.Body, context.RequestAborted);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, new ControlError(ControlError.InvalidRequest, $"The body is not a valid {typeof(T).Name}: {e.Message}"));
            return null;
        }
    }

    /// <summary>
    /// Answers 401 unless the request carries the cluster secret. Returns whether it did; <paramref name="expected"/>
    /// null or empty lets everything through (only for processes nobody else can reach).
    /// </summary>
    public static async Task<bool> CheckSecretAsync(HttpContext context, string? expected)
    {
        if (string.IsNullOrEmpty(expected)) return true;
        if (ClusterSecret.Matches(context.Request.Headers[ClusterSecret.HeaderName].FirstOrDefault(), expected)) return true;
        await WriteErrorAsync(context, new ControlError(ControlError.Unauthorized, $"Missing or wrong cluster secret: send it in the {ClusterSecret.HeaderName} header."));
        return false;
    }

    /// <summary>
    /// Streams <paramref name="events"/> as newline-delimited <see cref="EventLine"/>s, flushing each. A failure before
    /// the first event is an ordinary error response; after it, a last line carrying the error. A caller that leaves
    /// ends the enumeration, which withdraws the request from the machine.
    /// </summary>
    public static async Task StreamEventsAsync(HttpContext context, IAsyncEnumerable<GenerationEvent> events)
    {
        var aborted = context.RequestAborted;
        bool started = false;
        try
        {
            await foreach (var ev in events.WithCancellation(aborted))
            {
                if (!started)
                {
                    started = true;
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = ControlRoutes.NdjsonMediaType;
                }
                await WriteLineAsync(context, new EventLine(ev), aborted);
            }
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller is gone; leaving the loop has already withdrawn the request.
        }
        catch (Exception e)
        {
            var error = ControlError.From(e);
            if (started) await WriteLineAsync(context, new EventLine(null, error), aborted);
            else await WriteErrorAsync(context, error);
        }
    }

    private static readonly byte[] Newline = "\n"u8.ToArray();

    private static async Task WriteLineAsync(HttpContext context, EventLine line, CancellationToken cancellationToken)
    {
        var body = context.Response.Body;
        await body.WriteAsync(SiloJson.SerializeToUtf8Bytes(line), cancellationToken);
        await body.WriteAsync(Newline, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }
}
