namespace Splitwise.Silo.Machines;

/// <summary>A machine's name in the cluster directory, e.g. "prompt-0" or "token-1".</summary>
public readonly record struct MachineId(string Value)
{
    public override string ToString() => Value;
}
