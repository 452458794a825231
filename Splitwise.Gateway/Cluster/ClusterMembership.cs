using System.Collections.Concurrent;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// Remote silos joining and leaving the gateway's <see cref="MachineDirectory"/> (--cluster mode): a registration
/// adds a <see cref="RemoteMachine"/>, heartbeats refresh its load, and <see cref="RemoveSilent"/> drops machines
/// that missed <see cref="MembershipOptions.MissedHeartbeats"/> heartbeats, cutting their calls in flight so the
/// requests on them resume elsewhere at once. Owns the one HTTP client every remote machine shares.
/// </summary>
public sealed class ClusterMembership : IDisposable
{
    private readonly MachineDirectory _directory;
    private readonly string _secret;
    private readonly MembershipOptions _options;
    private readonly RemoteMachineOptions _remoteOptions;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<MachineId, RemoteMachine> _remotes = new();
    private readonly object _joinLock = new();
    private readonly HttpClient _http;

    public ClusterMembership(MachineDirectory directory, string secret, MembershipOptions options, ILogger log, RemoteMachineOptions? remoteOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        options.Validate();
        _directory = directory;
        _secret = secret;
        _options = options;
        _remoteOptions = remoteOptions ?? new RemoteMachineOptions();
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _remoteOptions.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    public MembershipOptions Options => _options;
    public string Secret => _secret;

    /// <summary>The model every silo must run, once the gateway has read its config; registrations wait for it.</summary>
    public ModelShape? ExpectedModel { get; set; }

    /// <summary>The remote machines in the directory now.</summary>
    public IReadOnlyCollection<RemoteMachine> Machines => _remotes.Values.ToList();

    /// <summary>
    /// Takes a silo into the directory, or answers why not. The same process registering again (its instance is
    /// unchanged) keeps its proxy and calls in flight; a restarted one replaces it.
    /// </summary>
    public ControlError? Register(MachineRegistration registration)
    {
        if (ExpectedModel is not { } expected) return new ControlError(ControlError.NotReady, "The gateway is still loading its model config; register again shortly.");
        if (expected.Difference(registration.Model) is { } difference)
            return new ControlError(ControlError.ModelMismatch, $"Machine {registration.Id} runs a different model than this gateway: {difference}.");
        if (!Enum.IsDefined(registration.Role)) return new ControlError(ControlError.InvalidRequest, $"Machine {registration.Id}: unknown role.");
        if (!Uri.TryCreate(registration.ControlUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            return new ControlError(ControlError.InvalidRequest, $"Machine {registration.Id}: control_url '{registration.ControlUrl}' is not an http(s) URL.");
        if (registration.Role != MachineRole.Prompt && string.IsNullOrWhiteSpace(registration.KvEndpoint))
            return new ControlError(ControlError.InvalidRequest, $"Machine {registration.Id} is a {registration.Role} machine but gave no kv_endpoint.");

        lock (_joinLock)
        {
            if (_remotes.TryGetValue(registration.Id, out var known) && known.Instance == registration.Instance && known.ControlUrl == new Uri(registration.ControlUrl.TrimEnd('/') + "/")
                && _directory.Report(registration.Id, registration.Load))
                return null;
            var remote = new RemoteMachine(registration, _http, _secret, _remoteOptions);
            _directory.Add(remote, embedded: false, registration.Load);
            if (_remotes.TryGetValue(registration.Id, out var replaced)) replaced.MarkGone();
            _remotes[registration.Id] = remote;
            _log.LogInformation("Machine {Machine} joined: {Role} at {Control}, KV at {Kv}", remote.Id, remote.Role, remote.ControlUrl, remote.KvEndpoint ?? "-");
        }
        return null;
    }

    /// <summary>Records a heartbeat; an error (unknown machine) tells the silo to register again.</summary>
    public ControlError? Heartbeat(MachineHeartbeat heartbeat)
    {
        if (!_remotes.TryGetValue(heartbeat.Id, out var known) || known.Instance != heartbeat.Instance || !_directory.Report(heartbeat.Id, heartbeat.Load))
            return new ControlError(ControlError.UnknownMachine, $"Machine {heartbeat.Id} is not in this gateway's directory; register again.");
        return null;
    }

    /// <summary>
    /// A silo shutting down gracefully leaves the directory now rather than after its heartbeats stop: nothing new is
    /// routed to it. Its calls in flight are not cut, because the silo drains them before it exits. An error when the
    /// machine or its instance is unknown (already gone, or replaced by a restarted process).
    /// </summary>
    public ControlError? Deregister(MachineDeregistration leaving)
    {
        lock (_joinLock)
        {
            if (!_remotes.TryGetValue(leaving.Id, out var known) || known.Instance != leaving.Instance)
                return new ControlError(ControlError.UnknownMachine, $"Machine {leaving.Id} (instance {leaving.Instance}) is not in this gateway's directory.");
            _remotes.TryRemove(new KeyValuePair<MachineId, RemoteMachine>(leaving.Id, known));
            _directory.Remove(leaving.Id);
            _log.LogInformation("Machine {Machine} deregistered (graceful shutdown); new requests go elsewhere, those on it finish there", leaving.Id);
            return null;
        }
    }

    /// <summary>Drops machines silent for longer than <see cref="MembershipOptions.MaxSilence"/>; returns who left.</summary>
    public IReadOnlyList<MachineId> RemoveSilent()
    {
        lock (_joinLock)
        {
            var gone = _directory.RemoveSilent(_options.MaxSilence);
            foreach (var id in gone)
            {
                if (_remotes.TryRemove(id, out var remote)) remote.MarkGone();
                _log.LogWarning("Machine {Machine} missed {Missed} heartbeats and left the directory; its requests resume elsewhere", id, _options.MissedHeartbeats);
            }
            return gone;
        }
    }

    public void Dispose()
    {
        foreach (var remote in _remotes.Values) remote.MarkGone();
        _http.Dispose();
    }
}
