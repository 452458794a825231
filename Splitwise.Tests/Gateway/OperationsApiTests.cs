using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Gateway.Hosting;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway;

[Trait("Category", "Integration")]
public class OperationsApiTests
{
    [Fact]
    public async Task Models_health_and_ready_describe_the_loaded_model()
    {
        await using var factory = GatewayFactory.Stories();
        var client = await factory.ReadyClientAsync();
        var models = JsonNode.Parse(await client.GetStringAsync("/v1/models"))!;
        Assert.Equal("list", (string?)models["object"]);
        Assert.Equal("stories260k", (string?)models["data"]![0]!["id"]);
        Assert.Equal(512, (int)models["data"]![0]!["max_model_len"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal("ready", (string?)JsonNode.Parse(await client.GetStringAsync("/ready"))!["status"]);
    }

    [Fact]
    public async Task Without_a_model_the_synthetic_default_is_announced()
    {
        await using var factory = new GatewayFactory(new GatewayOptions());
        var client = await factory.ReadyClientAsync();
        var models = JsonNode.Parse(await client.GetStringAsync("/v1/models"))!;
        Assert.True((bool)models["data"]![0]!["synthetic"]!);
        Assert.Contains("SYNTHETIC", (string?)models["data"]![0]!["note"]);
        var json = JsonNode.Parse(await (await client.PostAsJsonAsync("/v1/completions", new { prompt = new[] { 1, 2, 3 }, max_tokens = 3, ignore_eos = true })).Content.ReadAsStringAsync())!;
        Assert.Equal(3, (int)json["usage"]!["completion_tokens"]!);

        // No tokenizer means no text, but a stream still carries one chunk per token.
        var stream = await (await client.PostAsJsonAsync("/v1/completions", new { prompt = new[] { 1, 2, 3 }, max_tokens = 5, ignore_eos = true, stream = true })).Content.ReadAsStringAsync();
        Assert.Equal(5 + 1, stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Metrics_count_what_was_sent()
    {
        await using var factory = GatewayFactory.Stories();
        var client = await factory.ReadyClientAsync();
        for (int i = 0; i < 3; i++)
            (await client.PostAsJsonAsync("/v1/completions", new { prompt = new[] { 1, 403, 407 }, max_tokens = 5, temperature = 0, ignore_eos = true })).EnsureSuccessStatusCode();
        await client.PostAsJsonAsync("/v1/completions", new { prompt = "x", temperature = -1 });
        var text = await client.GetStringAsync("/metrics");
        Assert.Contains("splitwise_requests_total{outcome=\"success\"} 3", text);
        Assert.Contains("splitwise_finished_choices_total{finish_reason=\"length\"} 3", text);
        Assert.Contains("splitwise_requests_total{outcome=\"error_400\"} 1", text);
        Assert.Contains("splitwise_prompt_tokens_total 9", text);
        Assert.Contains("splitwise_generation_tokens_total 15", text);
        Assert.Contains("splitwise_time_to_first_token_seconds_count 3", text);
        Assert.Contains("splitwise_e2e_request_latency_seconds_count 3", text);
        Assert.Contains("splitwise_inter_token_latency_seconds_count 12", text);
        Assert.Contains("# TYPE splitwise_time_to_first_token_seconds histogram", text);
        Assert.Contains("splitwise_kv_cache_blocks_used 0", text);
        Assert.Matches(@"splitwise_kv_cache_blocks_total \d+", text);
        Assert.Contains("splitwise_prefix_cache_hit_rate", text);
    }
}
