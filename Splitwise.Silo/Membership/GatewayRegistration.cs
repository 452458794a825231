using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Membership;

/// <summary>
/// Keeps one machine in a gateway's directory: registers (retrying with doubling pauses while the gateway is away,
/// loading, or has forgotten the machine), then reports the machine's load every heartbeat interval. A gateway that
/// refuses the secret or the model ends <see cref="RunAsync"/> with <see cref="RegistrationRefusedException"/>.
/// </summary>
public sealed class GatewayRegistration : IDisposable
{
    private readonly Uri _gateway;
    private readonly string _secret;
    private readonly IMachine _machine;
    private readonly Func<MachineLoad, MachineRegistration> _describe;
    private readonly MembershipOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private int _registrations, _heartbeats;
    private string _instance = "";

    /// <param name="describe">The registration to send, given the machine's load now.</param>
    public GatewayRegistration(Uri gateway, string secret, IMachine machine, Func<MachineLoad, MachineRegistration> describe,
                               MembershipOptions options, ILogger log, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        options.Validate();
        _gateway = gateway;
        _secret = secret;
        _machine = machine;
        _describe = describe;
        _options = options;
        _log = log;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.CallTimeout }) { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
    }

    public RegistrationState State { get; private set; } = RegistrationState.Registering;

    /// <summary>Why the gateway refused the silo, once <see cref="State"/> is <see cref="RegistrationState.Refused"/>.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Registrations the gateway accepted (more than one: it lost the machine and took it back).</summary>
    public int Registrations => Volatile.Read(ref _registrations);

    public int Heartbeats => Volatile.Read(ref _heartbeats);

    /// <summary>The interval heartbeats go at: the silo's own, or the gateway's if that is shorter.</summary>
    public TimeSpan HeartbeatInterval { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, or throws <see cref="RegistrationRefusedException"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        HeartbeatInterval = _options.HeartbeatInterval;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await RegisterAsync(cancellationToken);
                await HeartbeatUntilLostAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (State != RegistrationState.Refused) State = RegistrationState.Stopped;
        }
    }

    /// <summary>
    /// Tells the gateway the machine is leaving (graceful shutdown), so it stops routing here now instead of after
    /// missed heartbeats. Call after <see cref="RunAsync"/> has ended, or a heartbeat could register the machine again.
    /// True if the gateway took it; false if it never had the machine, refused, or could not be reached within the
    /// call timeout (its heartbeat timeout then removes the machine).
    /// </summary>
    public async Task<bool> DeregisterAsync(CancellationToken cancellationToken)
    {
        if (Registrations == 0 || State == RegistrationState.Refused) return false;
        try
        {
            using var response = await PostAsync(MembershipRoutes.Deregister, new MachineDeregistration(_machine.Id, _instance), cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                _log.LogInformation("Machine {Machine} deregistered from the gateway at {Gateway}", _machine.Id, _gateway);
                return true;
            }
            var error = await ReadErrorAsync(response, cancellationToken);
            _log.LogWarning("The gateway at {Gateway} answered machine {Machine}'s deregistration with {Status} ({Message})",
                _gateway, _machine.Id, (int)response.StatusCode, error?.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException)
        {
            _log.LogWarning("Machine {Machine} could not deregister from {Gateway} ({Problem}); the gateway drops it when its heartbeats stop",
                _machine.Id, _gateway, e.Message);
        }
        return false;
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        State = RegistrationState.Registering;
        var pause = _options.RegistrationRetryMin;
        for (int attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                var registration = _describe(await _machine.GetLoadAsync(cancellationToken));
                _instance = registration.Instance;
                using var response = await PostAsync(MembershipRoutes.Register, registration, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var reply = await response.Content.ReadFromJsonAsync<RegistrationReply>(SiloJson.Options, cancellationToken);
                    if (reply is { HeartbeatMs: > 0 } && TimeSpan.FromMilliseconds(reply.HeartbeatMs) < HeartbeatInterval)
                        HeartbeatInterval = TimeSpan.FromMilliseconds(reply.HeartbeatMs);
                    Interlocked.Increment(ref _registrations);
                    State = RegistrationState.Registered;
                    _log.LogInformation("Machine {Machine} registered with the gateway at {Gateway} (attempt {Attempt}); heartbeat every {Interval} ms",
                        _machine.Id, _gateway, attempt, HeartbeatInterval.TotalMilliseconds);
                    return;
                }
                var error = await ReadErrorAsync(response, cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || error?.Type == ControlError.ModelMismatch)
                    Refuse($"The gateway at {_gateway} refused machine {_machine.Id}: {(int)response.StatusCode} {error?.Message ?? response.ReasonPhrase}");
                problem = $"{(int)response.StatusCode} {error?.Message ?? response.ReasonPhrase}";
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or System.Text.Json.JsonException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                problem = e.Message;
            }
            var level = attempt == 1 || attempt % 10 == 0 ? LogLevel.Warning : LogLevel.Debug;
            _log.Log(level, "Registering machine {Machine} with {Gateway} failed (attempt {Attempt}: {Problem}); retrying in {Pause} ms",
                _machine.Id, _gateway, attempt, problem, pause.TotalMilliseconds);
            await Task.Delay(pause, _time, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _options.RegistrationRetryMax.Ticks));
        }
    }

    /// <summary>Returns when the gateway no longer has the machine or cannot be reached: the caller registers again.</summary>
    private async Task HeartbeatUntilLostAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(HeartbeatInterval, _time, cancellationToken);
            try
            {
                var load = await _machine.GetLoadAsync(cancellationToken);
                using var response = await PostAsync(MembershipRoutes.Heartbeat, new MachineHeartbeat(_machine.Id, _instance, load), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _heartbeats);
                    continue;
                }
                var error = await ReadErrorAsync(response, cancellationToken);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    Refuse($"The gateway at {_gateway} refused machine {_machine.Id}'s heartbeat: {(int)response.StatusCode} {error?.Message}");
                _log.LogWarning("The gateway answered machine {Machine}'s heartbeat with {Status} ({Message}); registering again",
                    _machine.Id, (int)response.StatusCode, error?.Message);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _log.LogWarning("Machine {Machine} lost the gateway at {Gateway} ({Problem}); registering again", _machine.Id, _gateway, e.Message);
                return;
            }
        }
    }

    private async Task<HttpResponseMessage> PostAsync<T>(string path, T body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: SiloJson.Options) };
        request.Headers.Add(ClusterSecret.HeaderName, _secret);
        try
        {
            var response = await _http.SendAsync(request, timeout.Token);
            await response.Content.LoadIntoBufferAsync(timeout.Token);
            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{path} took longer than {_options.CallTimeout.TotalSeconds:0.#} s.");
        }
    }

    private static async Task<ControlError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<ControlErrorBody>(SiloJson.Options, cancellationToken))?.Error;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            return null; // not one of ours (a proxy, or something else on that port): the status says enough
        }
    }

    private void Refuse(string message)
    {
        State = RegistrationState.Refused;
        Refusal = message;
        _log.LogError("{Message}", message);
        throw new RegistrationRefusedException(message);
    }

    public void Dispose() => _http.Dispose();
}
