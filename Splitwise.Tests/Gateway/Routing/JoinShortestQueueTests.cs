using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class JoinShortestQueueTests
{
    private readonly JoinShortestQueue _policy = new();

    [Fact]
    public void Prompt_pick_is_the_fewest_pending_prompt_tokens_whatever_the_list_order()
    {
        var machines = new[] { Prompt("prompt-0", pending: 700), Prompt("prompt-1", pending: 200, used: 90), Prompt("prompt-2", pending: 500) };
        Assert.Equal(Id("prompt-1"), _policy.PickPromptMachine(Small, machines).Id);
        Assert.Equal(Id("prompt-1"), _policy.PickPromptMachine(Small, machines.Reverse().ToList()).Id);
    }

    [Fact]
    public void Token_pick_is_the_least_kv_in_use_as_a_fraction_not_in_blocks()
    {
        // token-0 uses fewer blocks (30) but a larger share of its memory (75%) than token-1 (50 of 100).
        var machines = new[] { Token("token-0", used: 30, total: 40), Token("token-1", used: 50, total: 100) };
        Assert.Equal(Id("token-1"), _policy.PickTokenMachine(Small, machines).Id);
    }

    [Fact]
    public void Ties_go_to_the_lower_id()
    {
        var machines = new[] { Token("token-b", used: 10), Token("token-a", used: 10), Token("token-c", used: 10) };
        Assert.Equal(Id("token-a"), _policy.PickTokenMachine(Small, machines).Id);
        Assert.Equal(Id("token-a"), _policy.PickWholeMachine(Small, machines).Id);
    }

    [Fact]
    public void Whole_pick_goes_by_prompt_queue_then_kv_in_use()
    {
        var machines = new[] { Mixed("mixed-0", pending: 300, used: 0), Mixed("mixed-1", pending: 100, used: 80), Mixed("mixed-2", pending: 100, used: 20) };
        Assert.Equal(Id("mixed-2"), _policy.PickWholeMachine(Small, machines).Id);
    }

    [Fact]
    public void No_candidates_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => _policy.PickPromptMachine(Small, []));
    }
}
