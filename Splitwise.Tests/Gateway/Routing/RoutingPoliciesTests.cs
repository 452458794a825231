using Splitwise.Gateway.Routing;

namespace Splitwise.Tests.Gateway.Routing;

public class RoutingPoliciesTests
{
    [Theory]
    [InlineData("jsq", typeof(JoinShortestQueue))]
    [InlineData("Round-Robin", typeof(RoundRobin))]
    [InlineData("random", typeof(RandomChoice))]
    public void Names_map_to_policies(string name, Type expected) => Assert.IsType(expected, RoutingPolicies.FromName(name, seed: 1));

    [Fact]
    public void An_unknown_name_is_refused_with_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => RoutingPolicies.FromName("least-loaded"));
        Assert.Contains("least-loaded", e.Message);
        Assert.Contains("round-robin", e.Message);
    }

    [Fact]
    public void A_request_shape_refuses_impossible_lengths()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestShape(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestShape(10, -1));
        Assert.Equal(int.MaxValue, new RequestShape(int.MaxValue, 5).KvTokens);
    }
}
