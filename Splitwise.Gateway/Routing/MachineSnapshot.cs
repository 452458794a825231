using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>
/// What the cluster scheduler knows of one machine: its last reported load (plus, in the scheduler's own view, what
/// it routed there since) and the pool it serves in now. <see cref="Pool"/> starts as the home role; only the
/// scheduler moves a machine into the mixed pool.
/// </summary>
public sealed record MachineSnapshot(
    MachineId Id, MachineRole HomeRole, int PendingPromptTokens, int KvBlocksUsed, int KvBlocksTotal, int Running = 0, int Waiting = 0)
{
    /// <summary>The pool the machine serves in now: its home role, or <see cref="MachineRole.Mixed"/> while borrowed.</summary>
    public MachineRole Pool { get; init; } = HomeRole;

    /// <summary>Tokens per KV block. Default 16, the engine's.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>A machine from the prompt or token side that is running whole requests in the mixed pool.</summary>
    public bool IsBorrowed => Pool == MachineRole.Mixed && HomeRole != MachineRole.Mixed;

    /// <summary>Blocks not in use; a machine reporting more used than it has counts as full.</summary>
    public int KvBlocksFree => Math.Max(0, KvBlocksTotal - KvBlocksUsed);

    /// <summary>KV memory in use, 0..1; a machine with no blocks counts as full.</summary>
    public double KvUsedFraction => KvBlocksTotal <= 0 ? 1.0 : Math.Clamp((double)KvBlocksUsed / KvBlocksTotal, 0.0, 1.0);

    public int BlocksFor(int tokens) => (int)Math.Min(int.MaxValue, ((long)Math.Max(0, tokens) + BlockSize - 1) / BlockSize);

    /// <summary>Whether the free blocks hold <paramref name="tokens"/> tokens of KV now.</summary>
    public bool HasRoomFor(int tokens) => BlocksFor(tokens) <= KvBlocksFree;

    /// <summary>Whether the machine could hold <paramref name="tokens"/> tokens of KV at all, were it empty.</summary>
    public bool CouldEverHold(int tokens) => BlocksFor(tokens) <= KvBlocksTotal;

    /// <summary>A snapshot from a machine's reported load.</summary>
    public static MachineSnapshot FromLoad(MachineId id, MachineRole homeRole, MachineLoad load, int blockSize = 16)
    {
        ArgumentNullException.ThrowIfNull(load);
        return new MachineSnapshot(id, homeRole, load.PendingPromptTokens, load.BlocksUsed, load.BlocksTotal, load.Running, load.Waiting) { BlockSize = blockSize };
    }

    /// <summary>Throws naming the machine and the field when a reported figure cannot be right.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Id.Value)) throw new ArgumentException("A machine snapshot has an empty id.");
        if (BlockSize <= 0) throw new ArgumentException($"Machine {Id}: BlockSize must be positive, got {BlockSize}.");
        if (PendingPromptTokens < 0) throw new ArgumentException($"Machine {Id}: PendingPromptTokens must not be negative, got {PendingPromptTokens}.");
        if (KvBlocksUsed < 0) throw new ArgumentException($"Machine {Id}: KvBlocksUsed must not be negative, got {KvBlocksUsed}.");
        if (KvBlocksTotal < 0) throw new ArgumentException($"Machine {Id}: KvBlocksTotal must not be negative, got {KvBlocksTotal}.");
        if (!Enum.IsDefined(HomeRole)) throw new ArgumentException($"Machine {Id}: HomeRole {(int)HomeRole} is not a role.");
    }
}
