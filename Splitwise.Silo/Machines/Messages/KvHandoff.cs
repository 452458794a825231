namespace Splitwise.Silo.Machines.Messages;

/// <summary>Where a prompt machine sends a request's KV: the token machine's KV endpoint and the id it reserved under.</summary>
public sealed record KvHandoff(MachineId Target, string KvEndpoint, long RequestId);
