using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Splitwise.Tests.LoadTest;

/// <summary>
/// A scripted OpenAI-compatible server on 127.0.0.1 (free port): streams max_tokens chunks with a fixed TTFT and ITL,
/// timed against absolute deadlines from the request's arrival so scheduler jitter does not accumulate.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    private FakeOpenAiServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<FakeOpenAiServer> StartAsync(double ttftMs, double itlMs, Func<int, FakeBehavior>? script = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        script ??= _ => FakeBehavior.Stream;
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "fake-model", max_model_len = 2048 } } }));
        app.MapPost("/v1/completions", (HttpContext ctx) => server.HandleAsync(ctx, script, ttftMs, itlMs, chat: false));
        app.MapPost("/v1/chat/completions", (HttpContext ctx) => server.HandleAsync(ctx, script, ttftMs, itlMs, chat: true));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/') + "/v1";
        return server;
    }

    /// <summary>Prompt lengths the server received, by request arrival order.</summary>
    public List<int> PromptLengths { get; } = [];

    /// <summary>
    /// Per streamed request, in arrival order: when the handler started and when each token chunk had been flushed
    /// (Stopwatch timestamps; the test shares the process, so the client's clock is the same). This is what the server
    /// actually did, which on a busy machine can lag the nominal delays by a scheduler slice.
    /// </summary>
    public List<(long Arrived, List<long> Flushed)> Timelines { get; } = [];

    private async Task HandleAsync(HttpContext ctx, Func<int, FakeBehavior> script, double ttftMs, double itlMs, bool chat)
    {
        long arrived = Stopwatch.GetTimestamp();
        int n = Interlocked.Increment(ref _count) - 1;
        using var body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        int maxTokens = body.RootElement.GetProperty("max_tokens").GetInt32();
        int promptTokens = chat ? 0 : body.RootElement.GetProperty("prompt") is { ValueKind: JsonValueKind.Array } p ? p.GetArrayLength() : 0;
        lock (PromptLengths) PromptLengths.Add(promptTokens);
        var behavior = script(n);
        if (behavior == FakeBehavior.Http500)
        {
            ctx.Response.StatusCode = 500;
            await ctx.Response.WriteAsync("{\"error\":{\"message\":\"scripted failure\"}}");
            return;
        }
        ctx.Response.ContentType = "text/event-stream";
        var flushed = new List<long>();
        lock (Timelines) Timelines.Add((arrived, flushed));
        for (int i = 0; i < maxTokens; i++)
        {
            await WaitUntilAsync(arrived, ttftMs + i * itlMs, ctx.RequestAborted);
            string text = i == 1 && behavior == FakeBehavior.MalformedSse
                ? "data: {not json\n\n"
                : "data: " + (chat
                    ? $"{{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i} \"}},\"finish_reason\":null}}]}}"
                    : $"{{\"choices\":[{{\"index\":0,\"text\":\"t{i} \",\"finish_reason\":null}}]}}") + "\n\n";
            await ctx.Response.WriteAsync(text, Encoding.UTF8, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            flushed.Add(Stopwatch.GetTimestamp());
        }
        await ctx.Response.WriteAsync($"data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":{promptTokens},\"completion_tokens\":{maxTokens}}}}}\n\ndata: [DONE]\n\n");
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    private static async Task WaitUntilAsync(long start, double dueMs, CancellationToken ct)
    {
        double left = dueMs - Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (left > 3) await Task.Delay(TimeSpan.FromMilliseconds(left - 2), ct);
        while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < dueMs) Thread.Yield();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
