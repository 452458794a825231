using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Metrics;

/// <summary>One machine's labels and load for /metrics: its id, home role, and the pool it serves in now.</summary>
public sealed record MachineMetrics(string Id, string Role, string Pool, MachineLoad Load);
