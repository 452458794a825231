namespace Splitwise.Gateway.Routing;

/// <summary>
/// Picks one machine from candidates the scheduler has already filtered (pool, room, exclusions). Candidates are never
/// empty. <see cref="ClusterScheduler"/> calls a policy under its lock; the simulator calls it from one thread.
/// </summary>
public interface IRoutingPolicy
{
    /// <summary>The machine that prefills a split request.</summary>
    MachineSnapshot PickPromptMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates);

    /// <summary>The machine that receives a split request's KV and decodes it; every candidate has room for it.</summary>
    MachineSnapshot PickTokenMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates);

    /// <summary>The machine that runs a request wholly; every candidate has room for it.</summary>
    MachineSnapshot PickWholeMachine(RequestShape request, IReadOnlyList<MachineSnapshot> candidates);
}
