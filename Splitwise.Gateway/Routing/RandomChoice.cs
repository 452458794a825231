namespace Splitwise.Gateway.Routing;

/// <summary>For comparison: a uniformly random candidate, ignoring load. The same seed gives the same picks.</summary>
public sealed class RandomChoice : IRoutingPolicy
{
    private readonly Random _random;

    /// <param name="seed">Null seeds from the clock.</param>
    public RandomChoice(int? seed = null) => _random = seed is { } s ? new Random(s) : new Random();

    public MachineSnapshot PickPromptMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Pick(candidates);

    public MachineSnapshot PickTokenMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Pick(candidates);

    public MachineSnapshot PickWholeMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Pick(candidates);

    private MachineSnapshot Pick(IReadOnlyList<MachineSnapshot> candidates)
    {
        if (candidates.Count == 0) throw new ArgumentException("No candidate machines to pick from.", nameof(candidates));
        // Id order, so a seed reproduces its picks whatever order the directory lists machines in.
        var ordered = candidates.OrderBy(m => m.Id.Value, StringComparer.Ordinal).ToList();
        return ordered[_random.Next(ordered.Count)];
    }
}
