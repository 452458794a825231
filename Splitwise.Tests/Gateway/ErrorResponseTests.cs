using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Splitwise.Gateway.Hosting;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

/// <summary>Every refusal is an OpenAI error body with the right status, type, param and code.</summary>
[Trait("Category", "Integration")]
public class ErrorResponseTests
{
    private static async Task<JsonNode> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? param = null, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.NotNull((string?)error["type"]);
        Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"));
        if (param != null) Assert.Equal(param, (string?)error["param"]);
        if (code != null) Assert.Equal(code, (string?)error["code"]);
        return error;
    }

    private static Task<HttpResponseMessage> PostRaw(GatewayServer s, string path, string body)
        => s.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public static TheoryData<string, string?> BadBodies() => new()
    {
        { "{not json", null },
        { "[1,2]", null },
        { """{"prompt":"x","temperature":"hot"}""", "temperature" },
        { """{"prompt":"x","temperature":3}""", "temperature" },
        { """{"prompt":"x","top_p":0}""", "top_p" },
        { """{"prompt":"x","max_tokens":0}""", "max_tokens" },
        { """{"prompt":"x","max_tokens":1.5}""", "max_tokens" },
        { """{"prompt":"x","n":0}""", "n" },
        { """{"prompt":"x","frequency_penalty":-3}""", "frequency_penalty" },
        { """{"prompt":"x","stop":[1]}""", "stop" },
        { """{"prompt":"x","stream":"yes"}""", "stream" },
        { """{"prompt":"x","stream_options":{"include_usage":true}}""", "stream_options" },
        { """{"prompt":"x","logprobs":9}""", "logprobs" },
        { """{"prompt":"x","suffix":"tail"}""", "suffix" },
        { """{"prompt":"x","logit_bias":{"5":10}}""", "logit_bias" },
        { """{"prompt":"x","min_tokens":10,"max_tokens":5}""", "min_tokens" },
        { """{}""", "prompt" },
        { """{"prompt":[]}""", "prompt" },
        { """{"prompt":[1,-2]}""", "prompt" },
        { """{"prompt":{"a":1}}""", "prompt" },
        { """{"prompt":[99999]}""", "prompt" },
    };

    [Theory, MemberData(nameof(BadBodies))]
    public async Task Malformed_or_out_of_range_fields_are_400_naming_the_field(string body, string? param)
    {
        await using var server = await GatewayServer.StoriesAsync();
        await ExpectErrorAsync(await PostRaw(server, "/v1/completions", body), HttpStatusCode.BadRequest, param);
        var health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Prompt_plus_max_tokens_over_the_context_is_context_length_exceeded()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var error = await ExpectErrorAsync(await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = "Once upon a time", max_tokens = 510 }),
            HttpStatusCode.BadRequest, "prompt", "context_length_exceeded");
        Assert.Contains("512", (string?)error["message"]);
        var longPrompt = Enumerable.Repeat(300, 600).ToArray();
        await ExpectErrorAsync(await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = longPrompt }), HttpStatusCode.BadRequest, code: "context_length_exceeded");
    }

    [Fact]
    public async Task Unknown_model_is_404()
    {
        await using var server = await GatewayServer.StoriesAsync();
        await ExpectErrorAsync(await server.Client.PostAsJsonAsync("/v1/completions", new { model = "gpt-4o", prompt = "x" }), HttpStatusCode.NotFound, "model", "model_not_found");
    }

    [Fact]
    public async Task Chat_without_a_template_is_a_clear_400()
    {
        await using var server = await GatewayServer.StoriesAsync();
        var error = await ExpectErrorAsync(await server.Client.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } }),
            HttpStatusCode.BadRequest, "messages");
        Assert.Contains("--chat-template", (string?)error["message"]);
    }

    [Fact]
    public async Task Api_key_is_required_when_configured()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { ApiKey = "sekret" });
        await ExpectErrorAsync(await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = "x", max_tokens = 1 }), HttpStatusCode.Unauthorized, code: "invalid_api_key");
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "nope") } };
        await ExpectErrorAsync(await server.Client.SendAsync(wrong), HttpStatusCode.Unauthorized);
        var right = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "sekret") },
            Content = JsonContent.Create(new { prompt = "x", max_tokens = 1 }),
        };
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { MaxRequestBodyBytes = 1000 });
        var big = "{\"prompt\":\"" + new string('a', 5000) + "\"}";
        await ExpectErrorAsync(await PostRaw(server, "/v1/completions", big), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Full_waiting_queue_is_429_with_retry_after()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { MaxWaitingRequests = 0 });
        var response = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = "x", max_tokens = 1 });
        await ExpectErrorAsync(response, HttpStatusCode.TooManyRequests);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Model_that_failed_to_load_is_503_and_not_ready()
    {
        await using var server = await GatewayServer.StartAsync(new GatewayOptions { Model = "/definitely/not/a/model", ModelGiven = true });
        var response = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = "x" });
        var error = await ExpectErrorAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Contains("/definitely/not/a/model", (string?)error["message"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
    }
}
