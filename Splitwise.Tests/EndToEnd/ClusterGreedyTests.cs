using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Silo.Machines;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.EndToEnd;

/// <summary>The split across processes: gateway, prompt silo and token silo on loopback give the golden greedy ids.</summary>
[Trait("Category", "E2E")]
[Collection(nameof(ProcessClusterCollection))]
public class ClusterGreedyTests
{
    [Fact]
    public async Task Every_golden_prompt_gives_the_golden_ids_split_over_a_prompt_and_a_token_process()
    {
        using var cluster = await ProcessCluster.StartAsync(1000, MachineRole.Prompt, MachineRole.Token);
        var cases = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json"));
        foreach (var c in cases)
        {
            // The goldens are llama2.c's greedy run, which applies no stop token: ignore_eos, and exactly their length.
            var response = await cluster.Client.PostAsJsonAsync("/v1/completions",
                new { prompt = c.PromptIds, max_tokens = c.GreedyIds.Length, temperature = 0, ignore_eos = true, logprobs = 0 });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{c.Name}: {(int)response.StatusCode} {text}\n{cluster.AllTails()}");
            var choice = JsonNode.Parse(text)!["choices"]![0]!;
            Assert.True(c.GreedyIds.SequenceEqual(TokenIds.FromLogprobs(choice)),
                $"{c.Name}: expected {string.Join(",", c.GreedyIds)}\n got {string.Join(",", TokenIds.FromLogprobs(choice))}");
            Assert.Equal("length", (string?)choice["finish_reason"]);
        }

        // Really split: every request's KV crossed from the prompt process to the token process, which decoded it.
        // The receiver counts a transfer as it finishes it, which can trail the response by a moment on a loaded machine.
        var token = await cluster.SiloLoadAsync("token-0");
        for (var waited = Stopwatch.StartNew(); token.Transfer.Transfers < cases.Count && waited.Elapsed < TimeSpan.FromSeconds(5);)
        {
            await Task.Delay(50);
            token = await cluster.SiloLoadAsync("token-0");
        }
        var prompt = await cluster.SiloLoadAsync("prompt-0");
        Assert.Equal(cases.Count, token.Transfer.Transfers);
        Assert.True(token.Transfer.BytesReceived > 0 && prompt.Transfer.BytesSent >= token.Transfer.BytesReceived,
            $"sent {prompt.Transfer.BytesSent}, received {token.Transfer.BytesReceived}");
        Assert.Equal(0, token.Transfer.TransfersFailed);
        Assert.True(token.Steps >= cases.Max(c => c.GreedyIds.Length) - 1, $"token machine ran {token.Steps} steps");
        Assert.Equal(0, token.BlocksUsed);
        var metrics = await cluster.Client.GetStringAsync("/metrics");
        Assert.DoesNotContain("splitwise_request_retries_total{", metrics);
    }
}
