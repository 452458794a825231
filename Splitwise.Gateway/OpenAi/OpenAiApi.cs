using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Hosting;
using Splitwise.Gateway.Routing;
using Splitwise.Gateway.Metrics;

namespace Splitwise.Gateway.OpenAi;

/// <summary>
/// POST /v1/completions, POST /v1/chat/completions, GET /v1/models. A request is read and checked, given to the
/// machine, and its tokens streamed back as SSE or gathered into one body. Every refusal is an OpenAI error body.
/// </summary>
public static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/completions", (HttpContext c, ModelHost host, ServingMetrics metrics, GatewayOptions options) => HandleAsync(c, host, metrics, options, chat: false));
        app.MapPost("/v1/chat/completions", (HttpContext c, ModelHost host, ServingMetrics metrics, GatewayOptions options) => HandleAsync(c, host, metrics, options, chat: true));
        app.MapGet("/v1/models", (ModelHost host) => Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new
                {
                    id = host.ServedModelName, @object = "model", created = host.CreatedUnixSeconds, owned_by = "splitwise",
                    max_model_len = host.IsReady ? host.MaxModelLength : (int?)null,
                    synthetic = host.IsSynthetic,
                    note = host.IsSynthetic ? "SYNTHETIC MODEL: random weights, no meaningful output. Start the gateway with --model PATH." : null,
                },
            },
        }));
        return app;
    }

    private static async Task HandleAsync(HttpContext context, ModelHost host, ServingMetrics metrics, GatewayOptions options, bool chat)
    {
        var arrival = Stopwatch.StartNew();
        try
        {
            if (!host.IsReady)
                throw new OpenAiException(503, host.LoadError is null ? "The model is still loading." : $"The model failed to load: {host.LoadError}") { RetryAfterSeconds = 5 };
            var request = RequestReader.Read(await ReadBodyAsync(context), chat, host);
            request = FitToContext(request, host.MaxModelLength);
            var load = host.Load;
            int waiting = Math.Max(0, host.Runner.InFlight - load.Running - load.AwaitingKv);
            if (waiting + request.Prompts.Count * request.N > options.MaxWaitingRequests)
                throw new OpenAiException(429, $"Too many requests are waiting ({waiting}); retry shortly.") { RetryAfterSeconds = 1 };
            await RunAsync(context, host, metrics, request, arrival);
        }
        catch (OpenAiException e)
        {
            metrics.CountRequest($"error_{e.Status}");
            await OpenAiErrors.WriteAsync(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            metrics.CountRequest("abort");
        }
        catch (Exception e)
        {
            // A fault inside the machine: the client still gets an answer in the API's format, never a bare 500 or a hang.
            metrics.CountRequest("error_500");
            var error = new OpenAiException(500, $"Internal error while generating: {e.Message}");
            if (!context.Response.HasStarted) await OpenAiErrors.WriteAsync(context, error);
            else await context.Response.WriteAsync("data: " + OpenAiErrors.Body(error) + "\n\ndata: [DONE]\n\n");
        }
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
            throw new OpenAiException(413, $"The request body is {context.Request.ContentLength} bytes; the limit is {max}.", code: "request_too_large");
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw OpenAiException.BadRequest($"The body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAiException(413, "The request body is too large.", code: "request_too_large");
        }
    }

    /// <summary>Applies the context limit: an explicit max_tokens that cannot fit is an error; a default one shrinks.</summary>
    private static GenerationRequest FitToContext(GenerationRequest request, int maxModelLength)
    {
        int longest = request.Prompts.Max(p => p.Length);
        int room = maxModelLength - longest;
        if (room < 1 || request.MaxTokensGiven && request.Sampling.MaxTokens > room)
        {
            int asked = request.MaxTokensGiven ? request.Sampling.MaxTokens : 1;
            throw OpenAiException.BadRequest(
                $"This model's maximum context length is {maxModelLength} tokens. However, you requested {longest + asked} tokens ({longest} in the prompt, {asked} for the completion). Please reduce the prompt or max_tokens.",
                request.IsChat ? "messages" : "prompt", "context_length_exceeded");
        }
        return request.MaxTokensGiven || request.Sampling.MaxTokens <= room ? request
            : request with { Sampling = request.Sampling with { MaxTokens = room } };
    }

    private static async Task RunAsync(HttpContext context, ModelHost host, ServingMetrics metrics, GenerationRequest request, Stopwatch arrival)
    {
        var runner = new ChoiceRunner(host.Runner.RunAsync, host.Tokenizer, host.EosTokenIds);
        string id = (request.IsChat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
        var shapes = new ResponseShapes(request, id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), host.Tokenizer);
        int choiceCount = request.Prompts.Count * request.N;
        var timing = new LatencyRecorder(metrics, arrival, choiceCount);
        var collected = Enumerable.Range(0, choiceCount).Select(_ => new List<ChoiceDelta>()).ToList();
        var first = new bool[choiceCount];
        var finishes = new List<string>();
        var deltas = runner.RunAsync(request, context.RequestAborted);

        if (request.Stream)
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }
        await using var enumerator = deltas.GetAsyncEnumerator(context.RequestAborted);
        while (await MoveNextAsync(enumerator, request))
        {
            var delta = enumerator.Current;
            timing.Tokens(delta.Index, delta.Tokens.Count);
            if (delta.FinishReason != null) finishes.Add(delta.FinishReason);
            if (request.Stream)
            {
                // A token whose text is still held back (partial UTF-8, a possible stop string) is sent with the next one;
                // without a tokenizer there is no text at all, and each token still gets its chunk so clients see progress.
                bool informative = delta.Text.Length > 0 || delta.FinishReason != null || request.Logprobs != null
                    || (request.IsChat && !first[delta.Index]) || host.Tokenizer is null;
                if (!informative) continue;
                await WriteEventAsync(context, shapes.Chunk(delta, first: request.IsChat && !first[delta.Index]));
                first[delta.Index] = true;
            }
            else
            {
                collected[delta.Index].Add(delta);
            }
        }
        if (request.Stream)
        {
            if (request.IncludeUsage) await WriteEventAsync(context, shapes.UsageChunk(runner.PromptTokens, runner.CompletionTokens));
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(shapes.Full(collected, runner.PromptTokens, runner.CompletionTokens), context.RequestAborted);
        }
        timing.Finished();
        metrics.AddTokens(runner.PromptTokens, runner.CompletionTokens);
        metrics.CountRequest("success");
        foreach (var finish in finishes) metrics.CountChoice(finish);
    }

    /// <summary>Turns a request the machine cannot take (found when it is submitted) into a 400 before anything is written.</summary>
    private static async ValueTask<bool> MoveNextAsync(IAsyncEnumerator<ChoiceDelta> enumerator, GenerationRequest request)
    {
        try
        {
            return await enumerator.MoveNextAsync();
        }
        catch (ArgumentException e)
        {
            throw OpenAiException.BadRequest(e.Message, request.IsChat ? "messages" : "prompt");
        }
        catch (ClusterRejectedException e)
        {
            var reject = e.Rejection;
            int status = reject.Cause switch { RejectionCause.Saturated => 429, RejectionCause.NoMachines => 503, _ => 400 };
            throw new OpenAiException(status, reject.Reason) { RetryAfterSeconds = reject.RetryAfter is { } wait ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : null };
        }
        catch (ClusterUnavailableException e)
        {
            throw new OpenAiException(503, $"No machine could finish the request: {e.Message}") { RetryAfterSeconds = 1 };
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string json)
    {
        await context.Response.WriteAsync("data: " + json + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
