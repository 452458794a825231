using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway.Cluster;

/// <summary>A --cluster gateway over HTTP: it starts with no machines, takes silos that prove the secret, and no others.</summary>
[Trait("Category", "Integration")]
public class ClusterApiTests
{
    private const string Secret = "cluster-s3cret";

    private static Task<GatewayServer> ClusterGatewayAsync()
        => GatewayServer.StoriesAsync(o => o with { Cluster = true, ClusterSecret = Secret });

    private static MachineRegistration Registration(GatewayServer server, MachineRole role) => new(
        new MachineId($"{role.ToString().ToLowerInvariant()}-0"), role, "http://127.0.0.1:9", role == MachineRole.Prompt ? null : "127.0.0.1:10", "i",
        ModelShape.Of(Splitwise.Gateway.Hosting.ModelConfigReader.Read(SharedData.Stories260K), server.Host.MaxModelLength), 1000, new MachineLoad(0, 0, 0, 64, 0, 0, 0, 0));

    private static async Task<HttpResponseMessage> PostAsync(GatewayServer server, string path, object body, string? secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: SiloJson.Options) };
        if (secret != null) request.Headers.Add(ClusterSecret.HeaderName, secret);
        return await server.Client.SendAsync(request);
    }

    [Fact]
    public async Task With_no_machines_it_is_not_ready_and_requests_get_503_with_retry_after()
    {
        await using var server = await ClusterGatewayAsync();
        Assert.Null(server.Host.Embedded);
        var ready = await server.Client.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        Assert.Equal("no_machines", (string?)body["status"]);
        Assert.Equal(0, (int)body["machines"]!["token"]!);

        var completion = await server.Client.PostAsJsonAsync("/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 4 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, completion.StatusCode);
        Assert.NotNull(completion.Headers.RetryAfter);
    }

    [Fact]
    public async Task Registration_needs_the_secret_and_then_the_machines_show_in_ready()
    {
        await using var server = await ClusterGatewayAsync();
        foreach (var secret in new[] { null, "wrong", Secret.ToUpperInvariant(), Secret + "x" })
        {
            var refused = await PostAsync(server, MembershipRoutes.Register, Registration(server, MachineRole.Token), secret);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("unauthorized", (string?)error["type"]);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(server, MembershipRoutes.Heartbeat,
            new MachineHeartbeat(new MachineId("token-0"), "i", new MachineLoad(0, 0, 0, 64, 0, 0, 0, 0)), "wrong")).StatusCode);
        Assert.Equal(0, server.Host.Directory.Count);

        var accepted = await PostAsync(server, MembershipRoutes.Register, Registration(server, MachineRole.Token), Secret);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(1000, (await accepted.Content.ReadFromJsonAsync<RegistrationReply>(SiloJson.Options))!.HeartbeatMs);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, MembershipRoutes.Register, Registration(server, MachineRole.Prompt), Secret)).StatusCode);
        var ready = JsonNode.Parse(await server.Client.GetStringAsync("/ready"))!;
        Assert.Equal("ready", (string?)ready["status"]);
        Assert.Equal(1, (int)ready["machines"]!["prompt"]!);
        Assert.Equal(1, (int)ready["machines"]!["token"]!);
        Assert.True((bool)ready["split"]!);

        var heartbeat = await PostAsync(server, MembershipRoutes.Heartbeat, new MachineHeartbeat(new MachineId("token-0"), "i", new MachineLoad(0, 0, 3, 64, 0, 0, 0, 0)), Secret);
        Assert.Equal(HttpStatusCode.NoContent, heartbeat.StatusCode);
        var unknown = await PostAsync(server, MembershipRoutes.Heartbeat, new MachineHeartbeat(new MachineId("mixed-9"), "i", new MachineLoad(0, 0, 0, 64, 0, 0, 0, 0)), Secret);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var listing = new HttpRequestMessage(HttpMethod.Get, MembershipRoutes.Machines);
        listing.Headers.Add(ClusterSecret.HeaderName, Secret);
        var machines = JsonNode.Parse(await (await server.Client.SendAsync(listing)).Content.ReadAsStringAsync())!["machines"]!.AsArray();
        Assert.Equal(["prompt-0", "token-0"], machines.Select(m => (string?)m!["id"]));
        Assert.Equal(3, (int)machines[1]!["load"]!["blocks_used"]!);
    }

    [Fact]
    public async Task A_gateway_with_embedded_machines_takes_no_silos()
    {
        await using var server = await GatewayServer.StoriesAsync(o => o with { ClusterSecret = Secret });
        var response = await PostAsync(server, MembershipRoutes.Register, Registration(server, MachineRole.Token), Secret);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("--cluster", await response.Content.ReadAsStringAsync());
    }
}
