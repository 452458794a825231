using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class RoundRobinTests
{
    [Fact]
    public void Picks_cycle_in_id_order_ignoring_load()
    {
        var policy = new RoundRobin();
        var machines = new[] { Prompt("prompt-2"), Prompt("prompt-0", pending: 9999), Prompt("prompt-1") };
        var picks = Enumerable.Range(0, 7).Select(_ => policy.PickPromptMachine(Small, machines).Id.Value).ToList();
        Assert.Equal(["prompt-0", "prompt-1", "prompt-2", "prompt-0", "prompt-1", "prompt-2", "prompt-0"], picks);
    }

    [Fact]
    public void Each_kind_of_pick_keeps_its_own_turn()
    {
        var policy = new RoundRobin();
        var prompts = new[] { Prompt("prompt-0"), Prompt("prompt-1") };
        var tokens = new[] { Token("token-0"), Token("token-1") };
        Assert.Equal(Id("prompt-0"), policy.PickPromptMachine(Small, prompts).Id);
        Assert.Equal(Id("token-0"), policy.PickTokenMachine(Small, tokens).Id);
        Assert.Equal(Id("prompt-1"), policy.PickPromptMachine(Small, prompts).Id);
        Assert.Equal(Id("token-1"), policy.PickTokenMachine(Small, tokens).Id);
    }

    [Fact]
    public void A_machine_dropping_out_does_not_reset_the_turn()
    {
        var policy = new RoundRobin();
        var all = new[] { Token("token-0"), Token("token-1"), Token("token-2") };
        Assert.Equal(Id("token-0"), policy.PickTokenMachine(Small, all).Id);
        // token-1 is full now: the turn passes to token-2, then wraps.
        var some = new[] { Token("token-0"), Token("token-2") };
        Assert.Equal(Id("token-2"), policy.PickTokenMachine(Small, some).Id);
        Assert.Equal(Id("token-0"), policy.PickTokenMachine(Small, all).Id);
    }
}
