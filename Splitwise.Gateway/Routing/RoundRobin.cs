using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>
/// For comparison: each kind of pick takes the next machine after the last one it picked, in id order, ignoring load.
/// Going by id rather than by position keeps the turn order when machines join, leave or fill up.
/// </summary>
public sealed class RoundRobin : IRoutingPolicy
{
    private MachineId? _lastPrompt, _lastToken, _lastWhole;

    public MachineSnapshot PickPromptMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Next(candidates, ref _lastPrompt);

    public MachineSnapshot PickTokenMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Next(candidates, ref _lastToken);

    public MachineSnapshot PickWholeMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) => Next(candidates, ref _lastWhole);

    private static MachineSnapshot Next(IReadOnlyList<MachineSnapshot> candidates, ref MachineId? last)
    {
        if (candidates.Count == 0) throw new ArgumentException("No candidate machines to pick from.", nameof(candidates));
        MachineSnapshot? first = null, next = null;
        foreach (var m in candidates)
        {
            if (first is null || string.CompareOrdinal(m.Id.Value, first.Id.Value) < 0) first = m;
            bool after = last is null || string.CompareOrdinal(m.Id.Value, last.Value.Value) > 0;
            if (after && (next is null || string.CompareOrdinal(m.Id.Value, next.Id.Value) < 0)) next = m;
        }
        var pick = next ?? first!;
        last = pick.Id;
        return pick;
    }
}
