using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.EndToEnd;

/// <summary>Silo processes joining a gateway process: retrying while it is away, and refused without the secret (as are callers of a silo).</summary>
[Trait("Category", "E2E")]
[Collection(nameof(ProcessClusterCollection))]
public class ClusterMembershipProcessTests
{
    [Fact]
    public async Task A_silo_started_before_the_gateway_registers_once_the_gateway_is_up_and_serves()
    {
        using var cluster = new ProcessCluster();
        var silo = cluster.StartSilo(MachineRole.Mixed);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!silo.Output.Contains("retrying in", StringComparison.Ordinal))
        {
            Assert.False(silo.HasExited, silo.Tail());
            Assert.True(DateTime.UtcNow < deadline, $"the silo never tried to register\n{silo.Tail()}");
            await Task.Delay(50);
        }

        cluster.StartGateway();
        var ready = await cluster.WaitForReadyAsync(r => ProcessCluster.Count(r, MachineRole.Mixed) == 1, "the early silo to register");
        Assert.Equal("ready", (string?)ready["status"]);

        var c = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(x => x.Name == "once_upon");
        var json = JsonNode.Parse(await (await cluster.Client.PostAsJsonAsync("/v1/completions",
            new { prompt = c.PromptIds, max_tokens = c.GreedyIds.Length, temperature = 0, ignore_eos = true, logprobs = 0 })).Content.ReadAsStringAsync())!;
        Assert.Equal(c.GreedyIds, TokenIds.FromLogprobs(json["choices"]![0]!));
    }

    [Fact]
    public async Task A_silo_stopped_with_sigterm_deregisters_at_once_and_exits_cleanly()
    {
        // Heartbeats every 10 s: without deregistration the gateway would keep the silo for 20 to 30 s after it stopped.
        using var cluster = await ProcessCluster.StartAsync(10_000, MachineRole.Prompt, MachineRole.Token);
        var silo = cluster.Silos["prompt-0"];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        silo.Terminate();
        while ((await cluster.MachinesAsync()).Any(m => (string?)m!["id"] == "prompt-0"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"prompt-0 still in the directory {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM\n{cluster.AllTails()}");
            await Task.Delay(50);
        }
        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the silo did not exit after SIGTERM\n{silo.Tail()}");
        Assert.Equal(0, silo.ExitCode);
        Assert.Contains("deregistered", silo.Output);
        Assert.Contains("drained", silo.Output);
        Assert.Contains(await cluster.MachinesAsync(), m => (string?)m!["id"] == "token-0");
    }

    [Fact]
    public async Task A_silo_with_the_wrong_secret_is_refused_and_never_joins_and_silos_refuse_callers_without_it()
    {
        using var cluster = await ProcessCluster.StartAsync(1000, MachineRole.Token);
        var intruder = cluster.StartSilo(MachineRole.Prompt, "prompt-intruder", secret: "not-the-secret");
        Assert.True(await intruder.WaitForExitAsync(TimeSpan.FromSeconds(20)), $"the refused silo kept running\n{intruder.Tail()}");
        Assert.Equal(RegistrationHost.RefusedExitCode, intruder.ExitCode);
        Assert.Contains("401", intruder.Output);
        Assert.DoesNotContain(await cluster.MachinesAsync(), m => (string?)m!["id"] == "prompt-intruder");
        Assert.Equal(0, ProcessCluster.Count(JsonNode.Parse(await (await cluster.Client.GetAsync("/ready")).Content.ReadAsStringAsync())!, MachineRole.Prompt));

        // The token silo's own control API refuses a caller without the secret, and answers one with it.
        var control = await cluster.ControlUrlAsync("token-0");
        using var http = new HttpClient();
        foreach (var secret in new[] { null, "not-the-secret" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(control, ControlRoutes.Load));
            if (secret != null) request.Headers.Add(ClusterSecret.HeaderName, secret);
            using var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("unauthorized", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["type"]);
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(control, ControlRoutes.Health))).StatusCode);
        Assert.True((await cluster.SiloLoadAsync("token-0")).BlocksTotal > 0);

        // Its KV endpoint refuses a peer with the wrong secret before reading a frame, and takes one with the right one.
        string kvEndpoint = (string)(await cluster.MachinesAsync()).Single(m => (string?)m!["id"] == "token-0")!["kv_endpoint"]!;
        var tcp = new TcpKvTransport();
        await using (var wrong = new RawKvPeer(await tcp.ConnectAsync(kvEndpoint, CancellationToken.None)))
        {
            await wrong.SendAsync(KvHello.Frame("not-the-secret"));
            var answer = await wrong.ReadAsync();
            Assert.Equal(KvFrameKind.Nack, answer.Kind);
            Assert.Contains("secret", answer.Reason);
            Assert.True(await wrong.ClosedAsync(TimeSpan.FromSeconds(10)));
        }
        await using var right = await RawKvPeer.ConnectAsync(tcp, kvEndpoint, ProcessCluster.Secret);
    }
}
