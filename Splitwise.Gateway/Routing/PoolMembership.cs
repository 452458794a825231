using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>
/// Which machines serve in which pool now, each list in id order. A borrowed machine is listed under Mixed and under
/// Borrowed, not under its home pool, while it has whole requests.
/// </summary>
public sealed record PoolMembership(
    IReadOnlyList<MachineId> Prompt, IReadOnlyList<MachineId> Token, IReadOnlyList<MachineId> Mixed, IReadOnlyList<MachineId> Borrowed);
