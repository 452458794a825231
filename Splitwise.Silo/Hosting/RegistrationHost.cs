using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Splitwise.Silo.Membership;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// Joins the gateway once Kestrel is listening (the control URL may be on a port picked at start) and keeps the
/// machine in its directory. If the gateway refuses the silo for good, the process stops with exit code 3.
/// </summary>
public sealed class RegistrationHost(SiloOptions options, HostedMachine hosted, IServer server, IHostApplicationLifetime lifetime, ILoggerFactory logs) : BackgroundService
{
    public const int RefusedExitCode = 3;
    private readonly TaskCompletionSource<GatewayRegistration> _registration = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The registration loop, once the server has started.</summary>
    public Task<GatewayRegistration> Registration => _registration.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Gateway is null) return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        string controlUrl = ControlUrl();
        var log = logs.CreateLogger<GatewayRegistration>();
        var membership = new MembershipOptions { HeartbeatInterval = options.HeartbeatInterval };
        using var registration = new GatewayRegistration(options.Gateway, options.ClusterSecret, hosted.Machine,
            load => new MachineRegistration(hosted.Machine.Id, hosted.Machine.Role, controlUrl, hosted.KvEndpoint, hosted.Instance, hosted.Shape,
                                            (int)membership.HeartbeatInterval.TotalMilliseconds, load),
            membership, log);
        _registration.TrySetResult(registration);
        log.LogInformation("Silo {Machine} ({Role}) serving control on {Control}, KV on {Kv}; joining {Gateway}",
            hosted.Machine.Id, hosted.Machine.Role, controlUrl, hosted.KvEndpoint ?? "(sends only)", options.Gateway);
        try
        {
            await registration.RunAsync(stoppingToken);
        }
        catch (RegistrationRefusedException)
        {
            Environment.ExitCode = RefusedExitCode;
            lifetime.StopApplication();
        }
    }

    /// <summary>Where the gateway calls: --advertise, or the address Kestrel bound (port 0 resolved).</summary>
    private string ControlUrl()
    {
        if (options.Advertise is { } advertise) return $"http://{advertise}";
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        return bound.TrimEnd('/');
    }
}
