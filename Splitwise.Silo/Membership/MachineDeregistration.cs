using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Membership;

/// <summary>A silo leaving on purpose (graceful shutdown). <paramref name="Instance"/> keeps a late call from an old process from removing its restarted successor.</summary>
public sealed record MachineDeregistration(MachineId Id, string Instance);
