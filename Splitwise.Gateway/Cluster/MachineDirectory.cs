using System.Collections.Concurrent;
using Splitwise.Gateway.Routing;
using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// The machines the gateway can route to and their last known load. Embedded machines are asked directly;
/// remote ones report with each heartbeat and leave when they miss too many.
/// </summary>
public sealed class MachineDirectory(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<MachineId, Member> _members = new();

    /// <summary>One machine in the directory.</summary>
    public sealed class Member(IMachine machine, bool embedded, DateTimeOffset joined)
    {
        public IMachine Machine { get; } = machine;
        public bool Embedded { get; } = embedded;
        public DateTimeOffset Joined { get; } = joined;
        public MachineLoad? Load { get; internal set; }
        public DateTimeOffset LastSeen { get; internal set; } = joined;
    }

    public IReadOnlyCollection<Member> Members => _members.Values.OrderBy(m => m.Machine.Id.Value, StringComparer.Ordinal).ToList();

    public int Count => _members.Count;

    /// <summary>Adds a machine (embedded, or a remote silo that registered). A re-registering id replaces the old entry.</summary>
    public void Add(IMachine machine, bool embedded, MachineLoad? load = null)
        => _members[machine.Id] = new Member(machine, embedded, _time.GetUtcNow()) { Load = load };

    public bool Remove(MachineId id) => _members.TryRemove(id, out _);

    public bool TryGet(MachineId id, out IMachine machine)
    {
        machine = _members.TryGetValue(id, out var m) ? m.Machine : null!;
        return machine != null;
    }

    /// <summary>A heartbeat: the machine is alive and this is its load. Returns false for an id not in the directory (re-register).</summary>
    public bool Report(MachineId id, MachineLoad load)
    {
        if (!_members.TryGetValue(id, out var m)) return false;
        m.Load = load;
        m.LastSeen = _time.GetUtcNow();
        return true;
    }

    /// <summary>Asks every embedded machine for its load (cheap: a few fields read).</summary>
    public async Task RefreshEmbeddedAsync(CancellationToken cancellationToken)
    {
        foreach (var m in _members.Values.Where(m => m.Embedded))
        {
            m.Load = await m.Machine.GetLoadAsync(cancellationToken);
            m.LastSeen = _time.GetUtcNow();
        }
    }

    /// <summary>Removes remote machines silent for longer than <paramref name="maxSilence"/>; returns who left.</summary>
    public IReadOnlyList<MachineId> RemoveSilent(TimeSpan maxSilence)
    {
        var now = _time.GetUtcNow();
        var gone = _members.Values.Where(m => !m.Embedded && now - m.LastSeen > maxSilence).Select(m => m.Machine.Id).ToList();
        foreach (var id in gone) _members.TryRemove(id, out _);
        return gone;
    }

    /// <summary>What the cluster scheduler routes on: every machine that has reported a load.</summary>
    public ClusterSnapshot Snapshot()
    {
        var taken = _time.GetUtcNow();
        var machines = new List<MachineSnapshot>();
        foreach (var m in _members.Values)
        {
            if (m.Load is not { } load) continue;
            machines.Add(MachineSnapshot.FromLoad(m.Machine.Id, m.Machine.Role, load));
            if (m.LastSeen < taken) taken = m.LastSeen;
        }
        return new ClusterSnapshot(machines, taken);
    }

    /// <summary>Every machine's load added up (the gateway's /metrics gauges).</summary>
    public MachineLoad TotalLoad()
    {
        var loads = _members.Values.Select(m => m.Load).OfType<MachineLoad>().ToList();
        return new MachineLoad(loads.Sum(l => l.Running), loads.Sum(l => l.Waiting), loads.Sum(l => l.BlocksUsed), loads.Sum(l => l.BlocksTotal),
            loads.Sum(l => l.LastBatchSize), loads.Sum(l => l.LastBatchTokens), loads.Count == 0 ? 0 : loads.Average(l => l.PrefixHitRate), loads.Sum(l => l.Steps))
        {
            PendingPromptTokens = loads.Sum(l => l.PendingPromptTokens),
            AwaitingKv = loads.Sum(l => l.AwaitingKv),
        };
    }
}
