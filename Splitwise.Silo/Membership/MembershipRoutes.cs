namespace Splitwise.Silo.Membership;

/// <summary>The gateway's endpoints for silos; each needs the cluster secret.</summary>
public static class MembershipRoutes
{
    /// <summary>POST <see cref="MachineRegistration"/>: 200 with a <see cref="RegistrationReply"/>; 401 wrong secret; 409 a different model; 503 not ready yet.</summary>
    public const string Register = "/cluster/register";
    /// <summary>POST <see cref="MachineHeartbeat"/>: 204; 404 when the gateway does not know the machine (register again).</summary>
    public const string Heartbeat = "/cluster/heartbeat";
    /// <summary>
    /// POST <see cref="MachineDeregistration"/>: 204 and the machine leaves the directory at once (no new requests are
    /// routed to it; calls already on it carry on); 404 when the gateway does not know that machine and instance.
    /// </summary>
    public const string Deregister = "/cluster/deregister";
    /// <summary>GET: the directory as the gateway sees it.</summary>
    public const string Machines = "/cluster/machines";
}
