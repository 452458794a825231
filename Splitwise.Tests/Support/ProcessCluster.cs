using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;

namespace Splitwise.Tests.Support;

/// <summary>
/// A gateway in --cluster mode and silos, each its own process on 127.0.0.1, for end-to-end tests. Every wait is
/// bounded and fails with the processes' recent output; disposing kills whatever still runs.
/// </summary>
public sealed class ProcessCluster : IDisposable
{
    public const string Secret = "e2e-cluster-secret";
    private readonly List<SplitwiseProcess> _processes = [];
    private SplitwiseProcess? _gateway;

    public ProcessCluster(int? gatewayPort = null)
    {
        GatewayPort = gatewayPort ?? LoopbackApp.FreePort();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{GatewayPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int GatewayPort { get; }
    public HttpClient Client { get; }
    public Dictionary<string, SplitwiseProcess> Silos { get; } = [];
    public SplitwiseProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway was not started.");

    /// <summary>
    /// The silos load the model folder. The gateway reads the same weights' llama2.c checkpoint, which has no
    /// tokenizer beside it: the API then names each generated token by its id ("&lt;42&gt;"), so tests compare ids, not text.
    /// </summary>
    public static string SiloModel => SharedData.Stories260K;
    public static string GatewayModel => SharedData.Path("models", "stories260k", "llama2c", "stories260K.bin");

    public SplitwiseProcess StartGateway(int heartbeatMs = 1000)
    {
        _gateway = Track(SplitwiseProcess.Start("gateway", "Splitwise.Gateway",
            ["--cluster", "--cluster-secret", Secret, "--model", GatewayModel, "--host", "127.0.0.1", "--port", $"{GatewayPort}", "--heartbeat-ms", $"{heartbeatMs}"]));
        return _gateway;
    }

    public SplitwiseProcess StartSilo(MachineRole role, string? id = null, string secret = Secret, int heartbeatMs = 1000)
    {
        id ??= $"{role.ToString().ToLowerInvariant()}-0";
        var silo = Track(SplitwiseProcess.Start(id, "Splitwise.Silo",
            ["serve", "--role", role.ToString().ToLowerInvariant(), "--model", SiloModel, "--listen", "127.0.0.1:0", "--gateway", $"http://127.0.0.1:{GatewayPort}",
             "--cluster-secret", secret, "--id", id, "--threads", "1", "--kv-cache-gb", "0.25", "--heartbeat-ms", $"{heartbeatMs}"]));
        Silos[id] = silo;
        return silo;
    }

    /// <summary>Gateway plus the given silos, returned once /ready lists every one of them.</summary>
    public static async Task<ProcessCluster> StartAsync(int heartbeatMs, params MachineRole[] roles)
    {
        var cluster = new ProcessCluster();
        try
        {
            cluster.StartGateway(heartbeatMs);
            foreach (var role in roles) cluster.StartSilo(role, heartbeatMs: heartbeatMs);
            await cluster.WaitForReadyAsync(r => roles.GroupBy(x => x).All(g => Count(r, g.Key) == g.Count()), $"machines {string.Join(",", roles)} registered");
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public static int Count(JsonNode ready, MachineRole role) => (int?)ready["machines"]?[role.ToString().ToLowerInvariant()] ?? 0;

    /// <summary>Polls /ready until <paramref name="condition"/> holds for its body (ready or not).</summary>
    public async Task<JsonNode> WaitForReadyAsync(Func<JsonNode, bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_gateway is { HasExited: true })
                throw new InvalidOperationException($"The gateway exited while waiting for {what}.\n{AllTails()}");
            try
            {
                using var response = await Client.GetAsync("/ready");
                last = await response.Content.ReadAsStringAsync();
                var body = JsonNode.Parse(last)!;
                if (condition(body)) return body;
            }
            catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or TaskCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Timed out after {seconds} s waiting for {what}; last /ready: {last}\n{AllTails()}");
    }

    /// <summary>The gateway's directory (GET /cluster/machines, with the secret).</summary>
    public async Task<JsonArray> MachinesAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MembershipRoutes.Machines);
        request.Headers.Add(ClusterSecret.HeaderName, Secret);
        using var response = await Client.SendAsync(request);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["machines"]!.AsArray();
    }

    /// <summary>Where the silo's control API is, as it registered.</summary>
    public async Task<Uri> ControlUrlAsync(string machineId)
        => new((string)(await MachinesAsync()).Single(m => (string?)m!["id"] == machineId)!["control_url"]!);

    /// <summary>A silo's load straight from its control API (not the gateway's heartbeat copy).</summary>
    public async Task<MachineLoad> SiloLoadAsync(string machineId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(await ControlUrlAsync(machineId), ControlRoutes.Load));
        request.Headers.Add(ClusterSecret.HeaderName, Secret);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<MachineLoad>(SiloJson.Options))!;
    }

    public string AllTails(int lines = 25) => string.Join("\n", _processes.Select(p => p.Tail(lines)));

    private SplitwiseProcess Track(SplitwiseProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        Client.Dispose();
        foreach (var p in _processes) p.Dispose();
    }
}
