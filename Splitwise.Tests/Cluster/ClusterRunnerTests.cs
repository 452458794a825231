using Microsoft.Extensions.Logging.Abstractions;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.Routing;
using Splitwise.Silo.Machines;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Cluster;

/// <summary>
/// The gateway's side of a split request on scripted machines: which verbs run where, and that the client's stream
/// stays exact (every index once, in order, one finish) through duplicates, gaps and machines dying mid-stream.
/// </summary>
public class ClusterRunnerTests
{
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 12 };

    private static (ClusterRunner Runner, ServingMetrics Metrics, ClusterScheduler Scheduler) Build(params ScriptedMachine[] machines)
    {
        var directory = new MachineDirectory();
        foreach (var m in machines) directory.Add(m, embedded: true, new MachineLoad(0, 0, 0, 1000, 0, 0, 0, 0));
        var scheduler = new ClusterScheduler(new JoinShortestQueue());
        scheduler.Refresh(directory.Snapshot());
        var metrics = new ServingMetrics();
        return (new ClusterRunner(directory, scheduler, metrics, NullLogger<ClusterRunner>.Instance,
            new ClusterRunnerOptions { RetryDelay = TimeSpan.FromMilliseconds(1) }), metrics, scheduler);
    }

    private static async Task<List<GenerationEvent>> RunAsync(ClusterRunner runner, SamplingParams? sampling = null)
    {
        var events = new List<GenerationEvent>();
        await foreach (var ev in runner.RunAsync([1, 2, 3], sampling ?? Greedy, CancellationToken.None)) events.Add(ev);
        return events;
    }

    private static void AssertExactStream(List<GenerationEvent> events, int count)
    {
        Assert.Equal(Enumerable.Range(0, count), events.Select(e => e.Index));
        Assert.Equal(Enumerable.Range(0, count).Select(ScriptedMachine.TokenAt), events.Select(e => e.Token!.Value.Id));
        Assert.Single(events, e => e.Finish is not null);
        Assert.NotNull(events[^1].Finish);
    }

    [Fact]
    public async Task A_split_request_reserves_on_the_token_machine_prefills_on_the_prompt_machine_then_decodes()
    {
        var prompt = new ScriptedMachine("prompt-0", MachineRole.Prompt);
        var token = new ScriptedMachine("token-0", MachineRole.Token);
        var (runner, metrics, scheduler) = Build(prompt, token);
        AssertExactStream(await RunAsync(runner), 12);
        Assert.Equal(["prefill"], prompt.Calls);
        Assert.Equal(["reserve", "decode"], token.Calls);
        Assert.Equal(1, metrics.SplitRequests);
        Assert.Equal(0, scheduler.ActiveRequests);
        Assert.Equal(0, runner.InFlight);
    }

    [Fact]
    public async Task A_first_token_that_ends_the_request_releases_the_reservation_and_skips_decode()
    {
        var prompt = new ScriptedMachine("prompt-0", MachineRole.Prompt);
        var token = new ScriptedMachine("token-0", MachineRole.Token);
        var (runner, _, _) = Build(prompt, token);
        AssertExactStream(await RunAsync(runner, Greedy with { MaxTokens = 1 }), 1);
        Assert.Equal(["reserve", "release"], token.Calls);
        Assert.Empty(token.Reserved);
    }

    [Fact]
    public async Task When_the_token_machine_dies_mid_stream_the_request_resumes_elsewhere_with_what_was_already_sent()
    {
        var prompt = new ScriptedMachine("prompt-0", MachineRole.Prompt);
        var token = new ScriptedMachine("token-0", MachineRole.Token) { FailDecodeAfter = 4 };
        var (runner, metrics, scheduler) = Build(prompt, token);
        var events = await RunAsync(runner);
        AssertExactStream(events, 12);
        // Tokens 0 (prompt machine) and 1..4 (token machine) reached the client; the prompt machine, borrowed, re-prefills them and goes on.
        var resumed = Assert.Single(prompt.Generated);
        Assert.Equal(Enumerable.Range(0, 5).Select(ScriptedMachine.TokenAt), resumed.OutputSoFar);
        Assert.Equal(1, metrics.RetryCount("machine_failure"));
        Assert.Equal(0, scheduler.ActiveRequests);
    }

    [Fact]
    public async Task A_failed_transfer_is_recomputed_on_another_machine()
    {
        var prompt = new ScriptedMachine("prompt-0", MachineRole.Prompt) { FailPrefill = true };
        var token = new ScriptedMachine("token-0", MachineRole.Token);
        var (runner, metrics, _) = Build(prompt, token);
        AssertExactStream(await RunAsync(runner), 12);
        Assert.Contains("release", token.Calls); // the reservation did not wait for its lease
        Assert.Equal(1, metrics.RetryCount("kv_transfer"));
        Assert.Single(prompt.Generated.Concat(token.Generated), g => g.OutputSoFar.Count == 0);
    }

    [Fact]
    public async Task Duplicate_tokens_are_dropped_and_a_gap_makes_the_request_resume_from_the_last_good_token()
    {
        var prompt = new ScriptedMachine("prompt-0", MachineRole.Prompt);
        var token = new ScriptedMachine("token-0", MachineRole.Token) { RepeatTokens = true, SkipIndex = 6 };
        var (runner, metrics, _) = Build(prompt, token);
        AssertExactStream(await RunAsync(runner), 12);
        Assert.Equal(1, metrics.RetryCount("stream_gap"));
        Assert.Equal(6, Assert.Single(prompt.Generated.Concat(token.Generated)).OutputSoFar.Count);
    }

    [Fact]
    public async Task A_machine_that_keeps_failing_ends_the_request_with_a_clear_error_not_a_hang()
    {
        var only = new ScriptedMachine("mixed-0", MachineRole.Mixed) { FailGenerateAfter = 0 };
        var (runner, _, _) = Build(only);
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => RunAsync(runner));
        Assert.Contains("mixed-0 died", error.Message);
        Assert.Equal(0, runner.InFlight);
    }

    [Fact]
    public async Task With_no_machines_the_request_is_rejected_before_any_token()
    {
        var (runner, _, _) = Build();
        var error = await Assert.ThrowsAsync<ClusterRejectedException>(() => RunAsync(runner));
        Assert.Equal(RejectionCause.NoMachines, error.Rejection.Cause);
    }
}
