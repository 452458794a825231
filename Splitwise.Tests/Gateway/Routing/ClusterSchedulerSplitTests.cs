using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class ClusterSchedulerSplitTests
{
    [Fact]
    public void Split_pairs_the_shortest_prompt_queue_with_the_least_kv_in_use()
    {
        var c = new ScriptedCluster().Set(
            Prompt("prompt-0", pending: 500), Prompt("prompt-1", pending: 100),
            Token("token-0", used: 60), Token("token-1", used: 20));
        Assert.Equal(new RoutingDecision.Split(Id("prompt-1"), Id("token-1")), c.Route(1));
    }

    [Fact]
    public void Token_machines_without_room_for_prompt_plus_max_tokens_are_passed_over()
    {
        // token-0 is empty but holds only 12 blocks (192 tokens); token-1 is 80% full with 20 blocks free.
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0", used: 0, total: 12), Token("token-1", used: 80, total: 100));
        Assert.Equal(Id("token-1"), Assert.IsType<RoutingDecision.Split>(c.Route(1, new RequestShape(100, 100))).TokenMachine);
        // 160 tokens (10 blocks) fit on token-0, which has the least KV in use.
        Assert.Equal(Id("token-0"), Assert.IsType<RoutingDecision.Split>(c.Route(2, new RequestShape(100, 60))).TokenMachine);
    }

    [Fact]
    public void A_split_is_preferred_to_a_mixed_machine()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 4000), Token("token-0", used: 70), Mixed("mixed-0"));
        Assert.IsType<RoutingDecision.Split>(c.Route(1));
    }

    [Fact]
    public void Mixed_home_machines_run_requests_whole_and_stay_in_the_mixed_pool()
    {
        var c = new ScriptedCluster().Set(Mixed("mixed-0", pending: 300), Mixed("mixed-1", pending: 100));
        Assert.Equal(new RoutingDecision.Whole(Id("mixed-1"), Borrowed: false), c.Route(1));
        c.Scheduler.Release(1);
        var pools = c.Scheduler.Pools;
        Assert.Equal([Id("mixed-0"), Id("mixed-1")], pools.Mixed);
        Assert.Empty(pools.Borrowed);
        Assert.Empty(pools.Prompt);
    }

    [Fact]
    public void Machines_the_request_must_avoid_are_not_chosen()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0"), Token("token-0", used: 0), Token("token-1", used: 50));
        var request = new RequestShape(100, 60) { Avoid = [Id("token-0")] };
        Assert.Equal(new RoutingDecision.Split(Id("prompt-0"), Id("token-1")), c.Route(1, request));
    }

    [Fact]
    public void Round_robin_pairs_machines_in_turn_whatever_their_load()
    {
        var c = new ScriptedCluster(new RoundRobin()).Set(
            Prompt("prompt-0"), Prompt("prompt-1", pending: 5000), Token("token-0"), Token("token-1", used: 50));
        var pairs = Enumerable.Range(1, 4).Select(i => (RoutingDecision.Split)c.Route(i))
            .Select(s => $"{s.PromptMachine}>{s.TokenMachine}").ToList();
        Assert.Equal(["prompt-0>token-0", "prompt-1>token-1", "prompt-0>token-0", "prompt-1>token-1"], pairs);
    }

    [Fact]
    public void Random_routing_is_reproducible_with_a_seed()
    {
        List<RoutingDecision> Run(int seed)
        {
            var c = new ScriptedCluster(new RandomChoice(seed)).Set(
                Prompt("prompt-0"), Prompt("prompt-1"), Prompt("prompt-2"), Token("token-0", total: 1000), Token("token-1", total: 1000), Token("token-2", total: 1000));
            return Enumerable.Range(1, 30).Select(i => c.Route(i)).ToList();
        }
        var first = Run(11);
        Assert.Equal(first, Run(11));
        Assert.NotEqual(first, Run(12));
        Assert.Equal(3, first.Cast<RoutingDecision.Split>().Select(s => s.PromptMachine).Distinct().Count());
    }
}
