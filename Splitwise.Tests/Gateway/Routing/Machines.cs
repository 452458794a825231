using Splitwise.Gateway.Routing;
using Splitwise.Silo.Machines;

namespace Splitwise.Tests.Gateway.Routing;

/// <summary>Scripted machines for routing tests: 100 blocks of 16 tokens each unless said otherwise.</summary>
internal static class Machines
{
    public static MachineSnapshot Prompt(string id, int pending = 0, int used = 0, int total = 100) => new(new MachineId(id), MachineRole.Prompt, pending, used, total);
    public static MachineSnapshot Token(string id, int used = 0, int total = 100, int pending = 0) => new(new MachineId(id), MachineRole.Token, pending, used, total);
    public static MachineSnapshot Mixed(string id, int pending = 0, int used = 0, int total = 100) => new(new MachineId(id), MachineRole.Mixed, pending, used, total);

    public static MachineId Id(string id) => new(id);

    /// <summary>100 prompt tokens and 60 to generate: 10 blocks of KV.</summary>
    public static RequestShape Small => new(100, 60);
}
