using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class ClusterSchedulerRejectTests
{
    [Fact]
    public void When_every_machine_is_full_the_request_is_rejected_with_retry_after()
    {
        var c = new ScriptedCluster(options: new ClusterSchedulerOptions { RetryAfter = TimeSpan.FromSeconds(3) })
            .Set(Prompt("prompt-0", used: 95), Token("token-0", used: 100), Mixed("mixed-0", used: 91));
        var reject = Assert.IsType<RoutingDecision.Reject>(c.Route(1));
        Assert.Equal(RejectionCause.Saturated, reject.Cause);
        Assert.Equal(TimeSpan.FromSeconds(3), reject.RetryAfter);
        Assert.Contains("160 tokens of KV", reject.Reason);
        Assert.Equal(0, c.Scheduler.ActiveRequests);

        // A rejected request holds nothing: once there is room, the same id routes.
        c.Set(Prompt("prompt-0"), Token("token-0"), Mixed("mixed-0"));
        Assert.IsType<RoutingDecision.Split>(c.Route(1));
    }

    [Fact]
    public void No_machines_or_all_excluded_is_its_own_cause()
    {
        var c = new ScriptedCluster();
        var none = Assert.IsType<RoutingDecision.Reject>(c.Route(1));
        Assert.Equal(RejectionCause.NoMachines, none.Cause);
        Assert.Equal(TimeSpan.FromSeconds(1), none.RetryAfter);

        c.Set(Mixed("mixed-0"));
        var excluded = Assert.IsType<RoutingDecision.Reject>(c.Route(2, new RequestShape(10, 10) { Avoid = [Id("mixed-0")] }));
        Assert.Equal(RejectionCause.NoMachines, excluded.Cause);
        Assert.Contains("excluded", excluded.Reason);
    }

    [Fact]
    public void A_request_larger_than_any_machine_is_too_large_and_gets_no_retry_after()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0"), Mixed("mixed-0", total: 120));
        var reject = Assert.IsType<RoutingDecision.Reject>(c.Route(1, new RequestShape(1000, 1000)));
        Assert.Equal(RejectionCause.TooLarge, reject.Cause);
        Assert.Null(reject.RetryAfter);
        Assert.Contains("1920 tokens", reject.Reason); // 120 blocks of 16
    }

    [Fact]
    public void Routing_an_id_twice_is_an_error_and_releasing_an_unknown_id_is_not()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0"));
        c.Route(7);
        var e = Assert.Throws<InvalidOperationException>(() => c.Route(7));
        Assert.Contains("7", e.Message);
        c.Scheduler.Release(12345);
        Assert.Equal(1, c.Scheduler.ActiveRequests);
    }

    [Theory]
    [InlineData("duplicate", "prompt-0")]
    [InlineData("negative-used", "token-0")]
    [InlineData("zero-block-size", "token-0")]
    public void A_bad_snapshot_is_refused_naming_the_machine(string fault, string machine)
    {
        var prompt = Prompt("prompt-0");
        var token = Token("token-0");
        MachineSnapshot[] machines = fault switch
        {
            "duplicate" => [prompt, prompt with { PendingPromptTokens = 5 }],
            "negative-used" => [prompt, token with { KvBlocksUsed = -1 }],
            _ => [prompt, token with { BlockSize = 0 }],
        };
        var c = new ScriptedCluster();
        var e = Assert.Throws<ArgumentException>(() => c.Set(machines));
        Assert.Contains(machine, e.Message);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ClusterScheduler(new JoinShortestQueue(), new ClusterSchedulerOptions { PromptQueueThreshold = -1 }));
        Assert.Throws<ArgumentException>(() => new ClusterScheduler(new JoinShortestQueue(), new ClusterSchedulerOptions { RetryAfter = TimeSpan.Zero }));
    }
}
