namespace Splitwise.Gateway.Routing;

/// <summary>
/// The machines in the directory and their loads. <paramref name="TakenAt"/> is when the oldest load in it was
/// measured: requests routed before then are assumed to show in it, those routed after are not.
/// </summary>
public sealed record ClusterSnapshot(IReadOnlyList<MachineSnapshot> Machines, DateTimeOffset TakenAt);
