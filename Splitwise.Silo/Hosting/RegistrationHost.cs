using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Splitwise.Silo.Membership;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// Joins the gateway once Kestrel is listening (the control URL may be on a port picked at start) and keeps the
/// machine in its directory. If the gateway refuses the silo for good, the process stops with exit code 3.
/// On a graceful stop, before Kestrel closes: heartbeats stop, the silo deregisters (the gateway routes nothing new
/// here from then on), new work is refused, and the requests already here get up to <see cref="SiloOptions.DrainTimeout"/>
/// to finish.
/// </summary>
public sealed class RegistrationHost(SiloOptions options, HostedMachine hosted, DrainGate drain, IServer server, IHostApplicationLifetime lifetime, ILoggerFactory logs)
    : BackgroundService, IHostedLifecycleService
{
    public const int RefusedExitCode = 3;
    private readonly TaskCompletionSource<GatewayRegistration> _registration = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _leaving = new();
    private readonly ILogger _log = logs.CreateLogger<RegistrationHost>();

    /// <summary>The registration loop, once the server has started.</summary>
    public Task<GatewayRegistration> Registration => _registration.Task;

    /// <summary>Whether the last graceful stop drained every request before its timeout; null before one.</summary>
    public bool? Drained { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Gateway is null) return;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _leaving.Token);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (run.Token.Register(() => started.TrySetCanceled()))
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
        log.LogInformation("Silo {Machine} ({Role}) serving control on {Control}, KV on {Kv}; joining {Gateway}; kernels {Kernels}",
            hosted.Machine.Id, hosted.Machine.Role, controlUrl, hosted.KvEndpoint ?? "(sends only)", options.Gateway, Splitwise.Kernels.CpuFeatures.Describe());
        try
        {
            await registration.RunAsync(run.Token);
        }
        catch (RegistrationRefusedException)
        {
            Environment.ExitCode = RefusedExitCode;
            lifetime.StopApplication();
            return;
        }
        // Leaving on purpose: the heartbeat loop has ended, so nothing can register the machine again after this.
        if (_leaving.IsCancellationRequested) await registration.DeregisterAsync(stoppingToken);
    }

    /// <summary>Runs before any hosted service stops, so Kestrel still answers the calls being drained.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _leaving.Cancel();
        if (ExecuteTask is { } registering)
        {
            try
            {
                await registering.WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _log.LogWarning(e, "The registration loop of machine {Machine} failed while leaving", hosted.Machine.Id);
            }
        }
        drain.Close();
        var machine = hosted.Machine;
        _log.LogInformation("Machine {Machine} is draining: no new work; waiting up to {Seconds} s for {Calls} calls in flight and its queued requests",
            machine.Id, options.DrainTimeout.TotalSeconds, drain.CallsInFlight);
        Drained = await drain.WaitDrainedAsync(machine, options.DrainTimeout, cancellationToken);
        if (Drained == true) _log.LogInformation("Machine {Machine} drained; stopping", machine.Id);
        else
        {
            var load = machine.Loop.Load;
            _log.LogWarning("Machine {Machine} stops with work left after its {Seconds} s drain: {Calls} calls, {Running} running, {Waiting} waiting, {AwaitingKv} KV reservations",
                machine.Id, options.DrainTimeout.TotalSeconds, drain.CallsInFlight, load.Running, load.Waiting, load.AwaitingKv);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _leaving.Dispose();
        base.Dispose();
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
