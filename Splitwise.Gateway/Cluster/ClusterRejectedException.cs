using Splitwise.Gateway.Routing;

namespace Splitwise.Gateway.Cluster;

/// <summary>No machine takes the request now (or ever, for <see cref="RejectionCause.TooLarge"/>).</summary>
public sealed class ClusterRejectedException(RoutingDecision.Reject rejection) : Exception(rejection.Reason)
{
    public RoutingDecision.Reject Rejection { get; } = rejection;
}
