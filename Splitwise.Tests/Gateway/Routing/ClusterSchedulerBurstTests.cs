using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

/// <summary>Loads refresh about once a second; requests routed in between must count before the machines report them.</summary>
public class ClusterSchedulerBurstTests
{
    [Fact]
    public void A_burst_between_refreshes_spreads_over_the_machines()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Prompt("prompt-1"), Token("token-0"), Token("token-1"));
        var pairs = Enumerable.Range(1, 4).Select(i => (RoutingDecision.Split)c.Route(i))
            .Select(s => $"{s.PromptMachine}>{s.TokenMachine}").ToList();
        Assert.Equal(["prompt-0>token-0", "prompt-1>token-1", "prompt-0>token-0", "prompt-1>token-1"], pairs);
    }

    [Fact]
    public void Routed_load_counts_until_a_snapshot_taken_after_it_arrives()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0"));
        c.Route(1);
        Assert.Equal(100, c.Seen("prompt-0").PendingPromptTokens);
        Assert.Equal(7, c.Seen("prompt-0").KvBlocksUsed);  // the 100-token prompt, while it prefills
        Assert.Equal(10, c.Seen("token-0").KvBlocksUsed);  // prompt plus max_tokens, reserved for decode

        // A snapshot measured before the routing cannot show it: the load stays added.
        var before = c.Clock.Now - TimeSpan.FromMilliseconds(200);
        c.Scheduler.Refresh(new ClusterSnapshot([Prompt("prompt-0", pending: 40), Token("token-0", used: 3)], before));
        Assert.Equal(140, c.Seen("prompt-0").PendingPromptTokens);
        Assert.Equal(13, c.Seen("token-0").KvBlocksUsed);

        // One measured after it shows the request itself.
        c.Clock.Advance(TimeSpan.FromSeconds(1));
        c.Set(Prompt("prompt-0", pending: 100), Token("token-0", used: 10));
        Assert.Equal(100, c.Seen("prompt-0").PendingPromptTokens);
        Assert.Equal(10, c.Seen("token-0").KvBlocksUsed);
        Assert.Equal(1, c.Scheduler.ActiveRequests);
    }

    [Fact]
    public void Releasing_a_request_before_the_next_refresh_takes_its_load_back()
    {
        var c = new ScriptedCluster().Set(Mixed("mixed-0", pending: 30, used: 5));
        c.Route(1);
        Assert.Equal(130, c.Seen("mixed-0").PendingPromptTokens);
        c.Scheduler.Release(1);
        Assert.Equal(30, c.Seen("mixed-0").PendingPromptTokens);
        Assert.Equal(5, c.Seen("mixed-0").KvBlocksUsed);
    }

    [Fact]
    public void A_burst_can_push_the_prompt_queue_past_the_threshold()
    {
        var c = new ScriptedCluster(options: new ClusterSchedulerOptions { PromptQueueThreshold = 250 })
            .Set(Prompt("prompt-0"), Token("token-0"), Token("token-1"));
        Assert.IsType<RoutingDecision.Split>(c.Route(1)); // queue 0
        Assert.IsType<RoutingDecision.Split>(c.Route(2)); // queue 100
        Assert.IsType<RoutingDecision.Split>(c.Route(3)); // queue 200
        // Queue 300 > 250. token-0 holds requests 1 and 3, token-1 holds request 2: the emptier one is lent.
        Assert.Equal(new RoutingDecision.Whole(Id("token-1"), Borrowed: true), c.Route(4));
    }

    [Fact]
    public void A_machine_missing_from_a_refresh_is_no_longer_routed_to()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0"), Token("token-1", used: 40));
        Assert.Equal(Id("token-0"), ((RoutingDecision.Split)c.Route(1)).TokenMachine);
        c.Scheduler.Refresh(new ClusterSnapshot([Prompt("prompt-0"), Token("token-1", used: 40)], c.Clock.Now - TimeSpan.FromSeconds(1)));
        Assert.Equal(Id("token-1"), ((RoutingDecision.Split)c.Route(2)).TokenMachine);
        Assert.DoesNotContain(c.Scheduler.Machines, m => m.Id == Id("token-0"));
    }
}
