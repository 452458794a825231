using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// A machine in a silo process, seen through its control API: the same verbs as an in-process machine, over HTTP
/// with the cluster secret. Failures keep their meaning (<see cref="ControlError.ToException"/>): a request no
/// machine can run is an <see cref="ArgumentException"/>, a failed handoff a <see cref="Silo.KvTransfer.KvTransferException"/>,
/// and a dead or unreachable silo an <see cref="IOException"/> or <see cref="HttpRequestException"/> within the
/// connect timeout, so the cluster runner resumes the request elsewhere. Once <see cref="MarkGone"/> is called
/// (the silo left the directory), every call in flight fails at once.
/// </summary>
public sealed class RemoteMachine : IPromptMachine, ITokenMachine
{
    private readonly HttpClient _http;
    private readonly string _secret;
    private readonly RemoteMachineOptions _options;
    private readonly CancellationTokenSource _gone = new();

    /// <param name="http">Shared by every remote machine; requests carry absolute URLs. Not owned.</param>
    public RemoteMachine(MachineRegistration registration, HttpClient http, string secret, RemoteMachineOptions? options = null)
    {
        Id = registration.Id;
        Role = registration.Role;
        ControlUrl = new Uri(registration.ControlUrl.TrimEnd('/') + "/", UriKind.Absolute);
        KvEndpoint = registration.KvEndpoint;
        Instance = registration.Instance;
        _http = http;
        _secret = secret;
        _options = options ?? new RemoteMachineOptions();
    }

    public MachineId Id { get; }
    public MachineRole Role { get; }
    public Uri ControlUrl { get; }
    public string? KvEndpoint { get; }
    /// <summary>The silo process this proxy talks to (a restarted silo gets a new proxy).</summary>
    public string Instance { get; }
    public bool IsGone => _gone.IsCancellationRequested;

    /// <summary>The silo left the directory: fail every call in flight now instead of waiting for timeouts.</summary>
    public void MarkGone() => _gone.Cancel();

    public async ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken)
        => await CallAsync<MachineLoad>(HttpMethod.Get, ControlRoutes.Load, null, cancellationToken);

    public Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken)
        => CallAsync<PrefillResult>(HttpMethod.Post, ControlRoutes.Prefill, order, cancellationToken);

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken)
        => CallAsync<KvReservationGrant>(HttpMethod.Post, ControlRoutes.Reserve, reservation, cancellationToken);

    public async Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken)
        => (await CallAsync<RenewReply>(HttpMethod.Post, ControlRoutes.Renew, new RenewOrder(requestId), cancellationToken)).Renewed;

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken)
        => CallAsync<ReleaseOrder>(HttpMethod.Post, ControlRoutes.Release, new ReleaseOrder(requestId), cancellationToken);

    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, CancellationToken cancellationToken)
        => StreamAsync(ControlRoutes.Generate, order, cancellationToken);

    public IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, CancellationToken cancellationToken)
        => StreamAsync(ControlRoutes.Decode, order, cancellationToken);

    private string Source => $"machine {Id} at {ControlUrl}";

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(ControlUrl, path.TrimStart('/')));
        request.Headers.Add(ClusterSecret.HeaderName, _secret);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: SiloJson.Options);
        return request;
    }

    private async Task<T> CallAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken) where T : class
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gone.Token);
        limit.CancelAfter(_options.CallTimeout);
        using var request = Request(method, path, body);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, limit.Token);
            return await response.Content.ReadFromJsonAsync<T>(SiloJson.Options, limit.Token)
                   ?? throw new IOException($"{Source} answered {path} with an empty body.");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Interrupted(path, e);
        }
        catch (JsonException e)
        {
            throw new IOException($"{Source} answered {path} with a body that is not a {typeof(T).Name}: {e.Message}", e);
        }
    }

    private async IAsyncEnumerable<GenerationEvent> StreamAsync(string path, object order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var live = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gone.Token);
        using var request = Request(HttpMethod.Post, path, order);
        HttpResponseMessage response;
        live.CancelAfter(_options.EventTimeout);
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, live.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Interrupted(path, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, live.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(live.Token));
            while (true)
            {
                live.CancelAfter(_options.EventTimeout);
                string? text;
                try
                {
                    text = await reader.ReadLineAsync(live.Token);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Interrupted(path, e);
                }
                if (text is null) throw new IOException($"{Source} closed its {path} stream before the request finished.");
                if (text.Length == 0) continue;
                var line = ParseLine(path, text);
                if (line.Error is { } error) throw error.ToException(Source);
                var ev = line.Event ?? throw new IOException($"{Source} sent a {path} line with neither an event nor an error.");
                yield return ev;
                if (ev.Finish is not null) yield break;
            }
        }
    }

    private EventLine ParseLine(string path, string text)
    {
        try
        {
            return SiloJson.Deserialize<EventLine>(text);
        }
        catch (JsonException e)
        {
            throw new IOException($"{Source} sent a malformed {path} line: {e.Message}", e);
        }
    }

    private Exception Interrupted(string path, OperationCanceledException e) => IsGone
        ? new IOException($"{Source} left the directory during {path}.", e)
        : new TimeoutException($"{Source} did not answer {path} in time.", e);

    private async Task<Exception> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ControlError? error = null;
        try
        {
            error = (await response.Content.ReadFromJsonAsync<ControlErrorBody>(SiloJson.Options, cancellationToken))?.Error;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // Not our error shape: the status code is all there is.
        }
        return (error ?? new ControlError(ControlError.Internal, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}")).ToException(Source);
    }

    public override string ToString() => $"{Id} ({Role.ToString().ToLowerInvariant()}) at {ControlUrl}";
}
