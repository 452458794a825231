namespace Splitwise.Gateway.Routing;

/// <summary>The policies by the names a command line or a simulator configuration uses.</summary>
public static class RoutingPolicies
{
    public static readonly IReadOnlyList<string> Names = ["jsq", "round-robin", "random"];

    /// <summary>"jsq" (join the shortest queue, the default), "round-robin" or "random" (<paramref name="seed"/> null: from the clock).</summary>
    public static IRoutingPolicy FromName(string name, int? seed = null) => name.Trim().ToLowerInvariant() switch
    {
        "jsq" or "join-shortest-queue" => new JoinShortestQueue(),
        "round-robin" or "rr" => new RoundRobin(),
        "random" => new RandomChoice(seed),
        _ => throw new ArgumentException($"Unknown routing policy '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
    };
}
