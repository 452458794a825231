namespace Splitwise.Silo.Machines;

/// <summary>
/// What a machine is for. Prompt machines prefill and ship KV; token machines receive KV and decode; mixed machines
/// run whole requests. Every machine can run a whole request, which is how one is borrowed into the mixed pool.
/// </summary>
public enum MachineRole
{
    Prompt,
    Token,
    Mixed,
}
