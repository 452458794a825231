namespace Splitwise.Silo.Machines;

/// <summary>A snapshot of a machine's queue and memory, for metrics and for the cluster scheduler.</summary>
public sealed record MachineLoad(int Running, int Waiting, int BlocksUsed, int BlocksTotal, int LastBatchSize, int LastBatchTokens, double PrefixHitRate, long Steps);
