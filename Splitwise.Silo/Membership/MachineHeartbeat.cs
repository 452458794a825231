using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Membership;

/// <summary>A silo's periodic "still here", with its load for the cluster scheduler.</summary>
public sealed record MachineHeartbeat(MachineId Id, string Instance, MachineLoad Load);
