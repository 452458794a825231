using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Wire;

/// <summary>What a silo says about itself: its machine, where KV for it goes, and the model it runs.</summary>
public sealed record MachineInfo(MachineId Id, MachineRole Role, string? KvEndpoint, ModelShape Model);
