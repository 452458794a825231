using Splitwise.Gateway.Routing;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway.Routing;

/// <summary>A cluster scheduler on a manual clock, fed scripted machine loads.</summary>
internal sealed class ScriptedCluster
{
    public ScriptedCluster(IRoutingPolicy? policy = null, ClusterSchedulerOptions? options = null)
    {
        Scheduler = new ClusterScheduler(policy ?? new JoinShortestQueue(), options, Clock);
    }

    public ManualTimeProvider Clock { get; } = new();
    public ClusterScheduler Scheduler { get; }

    /// <summary>A snapshot taken now: it shows everything routed up to this moment.</summary>
    public ScriptedCluster Set(params MachineSnapshot[] machines)
    {
        Scheduler.Refresh(new ClusterSnapshot(machines, Clock.Now));
        return this;
    }

    public RoutingDecision Route(long id, RequestShape? request = null) => Scheduler.Route(id, request ?? Machines.Small);

    public MachineSnapshot Seen(string id) => Scheduler.Machines.Single(m => m.Id.Value == id);
}
