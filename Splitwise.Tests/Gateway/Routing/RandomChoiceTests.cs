using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class RandomChoiceTests
{
    private static readonly MachineSnapshot[] Candidates = [Token("token-0"), Token("token-1"), Token("token-2"), Token("token-3")];

    private static List<string> Picks(RandomChoice policy, IReadOnlyList<MachineSnapshot> candidates, int n) =>
        Enumerable.Range(0, n).Select(_ => policy.PickTokenMachine(Small, candidates).Id.Value).ToList();

    [Fact]
    public void The_same_seed_gives_the_same_picks_whatever_the_candidate_order()
    {
        var a = Picks(new RandomChoice(42), Candidates, 64);
        var b = Picks(new RandomChoice(42), Candidates.Reverse().ToList(), 64);
        Assert.Equal(a, b);
        Assert.NotEqual(a, Picks(new RandomChoice(43), Candidates, 64));
    }

    [Fact]
    public void Every_candidate_is_picked_about_equally()
    {
        var counts = Picks(new RandomChoice(7), Candidates, 4000).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, counts.Count);
        // Expect 1000 each; a binomial standard deviation is about 27, so 850..1150 fails only for a biased pick.
        Assert.All(counts.Values, c => Assert.InRange(c, 850, 1150));
    }
}
