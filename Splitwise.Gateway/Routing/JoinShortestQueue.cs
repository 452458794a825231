namespace Splitwise.Gateway.Routing;

/// <summary>
/// Splitwise's policy: prefill where the fewest prompt tokens wait, decode where the least KV memory is in use.
/// Ties go to the machine with the lower id, so equal loads give the same answer every time.
/// </summary>
public sealed class JoinShortestQueue : IRoutingPolicy
{
    public MachineSnapshot PickPromptMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) =>
        Least(candidates, m => (m.PendingPromptTokens, m.KvUsedFraction));

    public MachineSnapshot PickTokenMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) =>
        Least(candidates, m => (m.KvUsedFraction, (double)m.Running));

    /// <summary>A whole request prefills first, so the prompt queue decides; KV in use breaks ties.</summary>
    public MachineSnapshot PickWholeMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates) =>
        Least(candidates, m => (m.PendingPromptTokens, m.KvUsedFraction));

    private static MachineSnapshot Least<TKey>(IReadOnlyList<MachineSnapshot> candidates, Func<MachineSnapshot, TKey> key)
        where TKey : IComparable<TKey>
    {
        if (candidates.Count == 0) throw new ArgumentException("No candidate machines to pick from.", nameof(candidates));
        var best = candidates[0];
        var bestKey = key(best);
        for (int i = 1; i < candidates.Count; i++)
        {
            var k = key(candidates[i]);
            int c = k.CompareTo(bestKey);
            if (c < 0 || (c == 0 && string.CompareOrdinal(candidates[i].Id.Value, best.Id.Value) < 0)) { best = candidates[i]; bestKey = k; }
        }
        return best;
    }
}
