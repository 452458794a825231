using Splitwise.LoadTest.Cli;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Prompts;
using Splitwise.LoadTest.Running;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.Tests.LoadTest;

/// <summary>
/// Each run of a sweep (and the baseline) must send prompts the server has not seen: a server with prefix caching
/// would otherwise answer later runs from its cache and the sweep would compare unlike things.
/// </summary>
public class PromptFreshnessTests
{
    private static LoadRunner Runner(int seed)
    {
        using var http = new HttpClient();
        var client = new OpenAiStreamClient(http, "http://127.0.0.1:1/v1", "m", ApiEndpoint.Completions, null, TimeSpan.FromSeconds(1));
        return new LoadRunner(client, new TokenIdPromptSource(10, 500), ApiEndpoint.Completions, seed);
    }

    private static readonly PlannedRequest[] Plan = [.. Enumerable.Range(0, 5).Select(i => new PlannedRequest(i, 64, 8, null))];

    [Fact]
    public void Successive_runs_get_different_prompts_but_the_same_seed_repeats_them()
    {
        var runner = Runner(seed: 3);
        var first = runner.Prepare(Plan).Select(r => r.Body).ToList();
        var second = runner.Prepare(Plan).Select(r => r.Body).ToList();
        Assert.Empty(first.Intersect(second));
        Assert.Equal(first, Runner(seed: 3).Prepare(Plan).Select(r => r.Body).ToList());
    }
}
