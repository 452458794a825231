using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Splitwise.LoadTest.Cli;

namespace Splitwise.LoadTest.Client;

/// <summary>
/// Sends one streaming completions or chat request and times it with <see cref="Stopwatch"/> timestamps: TTFT at the first
/// chunk carrying output, one ITL per later such chunk, E2E at the end of the stream. Failures come back as a result with an
/// error kind, never as an exception, so one bad response cannot stop a run.
/// </summary>
public sealed class OpenAiStreamClient(HttpClient http, string baseUrl, string model, ApiEndpoint endpoint, string? apiKey, TimeSpan timeout)
{
    private readonly Uri _uri = new(baseUrl.TrimEnd('/') + (endpoint == ApiEndpoint.Chat ? "/chat/completions" : "/completions"));

    /// <summary>An HttpClient for load: no connection limit, no pooled-connection idle churn, no client-side timeout (each request has its own).</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseProxy = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The request body: the prompt plus max_tokens = min_tokens = n and ignore_eos, so exactly n tokens are generated.</summary>
    public JsonObject BuildBody(JsonNode prompt, int outputTokens)
    {
        var body = new JsonObject { ["model"] = model };
        if (endpoint == ApiEndpoint.Chat)
            body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
        else
            body["prompt"] = prompt;
        body["max_tokens"] = outputTokens;
        body["min_tokens"] = outputTokens;
        body["ignore_eos"] = true;
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        return body;
    }

    /// <param name="runStart">Stopwatch timestamp of the run's start, for <see cref="RequestResult.StartSeconds"/>.</param>
    /// <param name="json">The request body from <see cref="BuildBody"/>, serialized ahead so the send path does no JSON work.</param>
    public async Task<RequestResult> SendAsync(int index, string json, int promptTokens, int outputTokens, long runStart, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var ct = timeoutCts.Token;

        long t0 = Stopwatch.GetTimestamp();
        var result = new RequestResult
        {
            Index = index,
            StartSeconds = Stopwatch.GetElapsedTime(runStart, t0).TotalSeconds,
            PromptTokensPlanned = promptTokens,
            OutputTokensPlanned = outputTokens,
        };
        long first = 0, last = 0;
        var itl = new List<double>(Math.Min(outputTokens, 4096));
        int events = 0;
        int? usagePrompt = null, usageCompletion = null;
        RequestResult Fail(string kind, string detail) => result with
        {
            Error = kind,
            ErrorDetail = detail.Length > 300 ? detail[..300] : detail,
            E2eMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds,
            TtftMs = first == 0 ? 0 : Stopwatch.GetElapsedTime(t0, first).TotalMilliseconds,
            TokenEvents = events,
        };

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string body = await ReadSomeAsync(response, ct).ConfigureAwait(false);
                return Fail($"http_{(int)response.StatusCode}", body);
            }
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            bool done = false;
            string? line;
            while (!done && (line = await reader.ReadLineAsync(ct).ConfigureAwait(false)) != null)
            {
                if (line.Length == 0 || line[0] == ':' || !line.StartsWith("data:", StringComparison.Ordinal)) continue;
                long now = Stopwatch.GetTimestamp();
                SseChunk chunk;
                try
                {
                    chunk = SseChunkParser.Parse(line[5..].Trim(), endpoint == ApiEndpoint.Chat);
                }
                catch (FormatException e)
                {
                    return Fail("malformed_sse", e.Message);
                }
                if (chunk.ServerError != null) return Fail("server_error", chunk.ServerError);
                if (chunk.IsDone) { done = true; break; }
                if (chunk.CarriesToken)
                {
                    if (first == 0) first = now;
                    else itl.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
                    last = now;
                    events++;
                }
                usagePrompt = chunk.PromptTokens ?? usagePrompt;
                usageCompletion = chunk.CompletionTokens ?? usageCompletion;
            }
            long end = Stopwatch.GetTimestamp();
            if (!done) return Fail("incomplete_stream", "the stream ended without 'data: [DONE]'");
            if (events == 0) return Fail("empty_output", "the stream carried no output");
            return result with
            {
                TtftMs = Stopwatch.GetElapsedTime(t0, first).TotalMilliseconds,
                E2eMs = Stopwatch.GetElapsedTime(t0, end).TotalMilliseconds,
                ItlMs = [.. itl],
                TokenEvents = events,
                PromptTokensReported = usagePrompt,
                OutputTokensReported = usageCompletion,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail("cancelled", "the run was stopped");
        }
        catch (OperationCanceledException)
        {
            return Fail("timeout", $"no complete response within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (first == 0 && e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            return Fail("connection_error", e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Fail("stream_error", e.Message);
        }
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new char[2048];
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        int n = await reader.ReadBlockAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
        return new string(buffer, 0, n);
    }
}
