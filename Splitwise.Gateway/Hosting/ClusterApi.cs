using Splitwise.Silo.Hosting;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Gateway.Hosting;

/// <summary>
/// Where silos join (--cluster mode): register, heartbeat, deregister, and a read-out of the directory. Every call needs the
/// cluster secret (401 otherwise); a gateway not in cluster mode answers 404.
/// </summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(MembershipRoutes.Register, (HttpContext c, ModelHost host) => WithMembershipAsync(c, host, async membership =>
        {
            if (await ControlResponses.ReadBodyAsync<MachineRegistration>(c) is not { } registration) return;
            if (membership.Register(registration) is { } error) await ControlResponses.WriteErrorAsync(c, error);
            else await ControlResponses.WriteJsonAsync(c, new RegistrationReply((int)membership.Options.HeartbeatInterval.TotalMilliseconds));
        }));
        app.MapPost(MembershipRoutes.Heartbeat, (HttpContext c, ModelHost host) => WithMembershipAsync(c, host, async membership =>
        {
            if (await ControlResponses.ReadBodyAsync<MachineHeartbeat>(c) is not { } heartbeat) return;
            if (membership.Heartbeat(heartbeat) is { } error) await ControlResponses.WriteErrorAsync(c, error);
            else c.Response.StatusCode = StatusCodes.Status204NoContent;
        }));
        app.MapPost(MembershipRoutes.Deregister, (HttpContext c, ModelHost host) => WithMembershipAsync(c, host, async membership =>
        {
            if (await ControlResponses.ReadBodyAsync<MachineDeregistration>(c) is not { } leaving) return;
            if (membership.Deregister(leaving) is { } error) await ControlResponses.WriteErrorAsync(c, error);
            else c.Response.StatusCode = StatusCodes.Status204NoContent;
        }));
        app.MapGet(MembershipRoutes.Machines, (HttpContext c, ModelHost host) => WithMembershipAsync(c, host, membership =>
        {
            var now = DateTimeOffset.UtcNow;
            var machines = host.Directory.Members.Select(m => new
            {
                id = m.Machine.Id.Value,
                role = m.Machine.Role.ToString().ToLowerInvariant(),
                control_url = (m.Machine as Cluster.RemoteMachine)?.ControlUrl.ToString(),
                kv_endpoint = (m.Machine as Cluster.RemoteMachine)?.KvEndpoint,
                seconds_since_heartbeat = Math.Round((now - m.LastSeen).TotalSeconds, 3),
                load = m.Load,
            });
            return ControlResponses.WriteJsonAsync(c, new { machines });
        }));
        return app;
    }

    private static async Task WithMembershipAsync(HttpContext context, ModelHost host, Func<Cluster.ClusterMembership, Task> handle)
    {
        if (host.Membership is not { } membership)
        {
            await ControlResponses.WriteErrorAsync(context, new ControlError(ControlError.Unsupported, "This gateway runs its machines in-process; start it with --cluster to take silos."));
            return;
        }
        if (!await ControlResponses.CheckSecretAsync(context, membership.Secret)) return;
        await handle(membership);
    }
}
