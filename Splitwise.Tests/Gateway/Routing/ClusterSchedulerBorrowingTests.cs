using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class ClusterSchedulerBorrowingTests
{
    [Theory]
    [InlineData(8192, false)]
    [InlineData(8193, true)]
    public void A_prompt_queue_past_the_default_threshold_sends_the_request_to_a_borrowed_token_machine(int pending, bool borrows)
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: pending), Token("token-0", used: 50), Token("token-1", used: 10));
        var decision = c.Route(1);
        if (borrows) Assert.Equal(new RoutingDecision.Whole(Id("token-1"), Borrowed: true), decision);
        else Assert.IsType<RoutingDecision.Split>(decision);
    }

    [Fact]
    public void The_threshold_comes_from_the_options()
    {
        var c = new ScriptedCluster(options: new ClusterSchedulerOptions { PromptQueueThreshold = 1000 })
            .Set(Prompt("prompt-0", pending: 1001), Token("token-0"));
        Assert.IsType<RoutingDecision.Whole>(c.Route(1));
    }

    [Fact]
    public void A_borrowed_machine_returns_home_when_its_whole_requests_drain()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 9000), Token("token-0", used: 50), Token("token-1", used: 10));
        Assert.Equal(new RoutingDecision.Whole(Id("token-1"), Borrowed: true), c.Route(1));
        var pools = c.Scheduler.Pools;
        Assert.Equal([Id("token-1")], pools.Mixed);
        Assert.Equal([Id("token-1")], pools.Borrowed);
        Assert.Equal([Id("token-0")], pools.Token);
        Assert.Equal([Id("prompt-0")], pools.Prompt);

        // The mixed pool already has a machine with room: it takes the next one, and no second machine is borrowed.
        Assert.Equal(new RoutingDecision.Whole(Id("token-1"), Borrowed: true), c.Route(2));
        Assert.Equal([Id("token-1")], c.Scheduler.Pools.Borrowed);

        c.Scheduler.Release(1);
        c.Scheduler.Release(1); // a second release of the same request must not count as the other one's
        Assert.Equal([Id("token-1")], c.Scheduler.Pools.Borrowed);
        c.Scheduler.Release(2);
        pools = c.Scheduler.Pools;
        Assert.Empty(pools.Borrowed);
        Assert.Empty(pools.Mixed);
        Assert.Equal([Id("token-0"), Id("token-1")], pools.Token);
    }

    [Fact]
    public void A_full_token_side_borrows_a_prompt_machine()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 50), Prompt("prompt-1", pending: 0), Token("token-0", used: 95));
        Assert.Equal(new RoutingDecision.Whole(Id("prompt-1"), Borrowed: true), c.Route(1));
        Assert.Equal([Id("prompt-1")], c.Scheduler.Pools.Borrowed);
        Assert.Equal([Id("prompt-0")], c.Scheduler.Pools.Prompt);
    }

    [Fact]
    public void A_borrowed_machine_still_takes_split_halves_of_its_home_kind()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 9000), Token("token-0"));
        Assert.IsType<RoutingDecision.Whole>(c.Route(1));
        c.Clock.Advance(TimeSpan.FromSeconds(1));
        c.Set(Prompt("prompt-0", pending: 0), Token("token-0", used: 10));
        // token-0 is still borrowed (request 1 runs), yet the prompt side is free again: split, with token-0 decoding.
        Assert.Equal(new RoutingDecision.Split(Id("prompt-0"), Id("token-0")), c.Route(2));
        Assert.Equal([Id("token-0")], c.Scheduler.Pools.Borrowed);
    }

    [Fact]
    public void The_mixed_pool_is_tried_before_borrowing()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 9000), Token("token-0"), Mixed("mixed-0", pending: 2000, used: 60));
        Assert.Equal(new RoutingDecision.Whole(Id("mixed-0"), Borrowed: false), c.Route(1));
        Assert.Empty(c.Scheduler.Pools.Borrowed);
    }

    [Fact]
    public void A_mixed_machine_past_the_threshold_leads_to_borrowing()
    {
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 9000), Token("token-0"), Mixed("mixed-0", pending: 9000));
        Assert.Equal(new RoutingDecision.Whole(Id("token-0"), Borrowed: true), c.Route(1));
    }

    [Fact]
    public void With_no_pair_and_no_pool_the_request_runs_whole_on_any_machine_with_room()
    {
        // The only prompt machine is past the threshold and the only token machine is full: nothing can be split,
        // there is no mixed pool and no machine to lend under the threshold, but prompt-0 has KV room.
        var c = new ScriptedCluster().Set(Prompt("prompt-0", pending: 9000), Token("token-0", used: 100));
        Assert.Equal(new RoutingDecision.Whole(Id("prompt-0"), Borrowed: true), c.Route(1));
        Assert.Equal([Id("prompt-0")], c.Scheduler.Pools.Mixed);
    }
}
