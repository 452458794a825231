using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Membership;

/// <summary>
/// A silo asking to join: its machine, where the gateway reaches its control API (<paramref name="ControlUrl"/>)
/// and where prompt machines send it KV, the model it runs, and its load now. <paramref name="Instance"/> is new
/// with every process start, so a re-registration of the same process keeps its entry and a restarted one replaces it.
/// </summary>
public sealed record MachineRegistration(
    MachineId Id, MachineRole Role, string ControlUrl, string? KvEndpoint, string Instance, ModelShape Model, int HeartbeatMs, MachineLoad Load);
