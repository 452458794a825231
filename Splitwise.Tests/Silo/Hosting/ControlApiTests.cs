using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Cluster;
using Splitwise.Gateway.Hosting;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo.Hosting;

/// <summary>A silo's machine in-process behind its control API, driven through the gateway's <see cref="RemoteMachine"/>.</summary>
[Trait("Category", "Integration")]
public sealed class ControlApiTests : IAsyncLifetime
{
    private const string Secret = "ctl";
    private HostedMachine _hosted = null!;
    private WebApplication _app = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private RemoteMachine _remote = null!;
    private Uri _url = null!;

    private static readonly GoldenCase Golden = GoldenCases.Load(Path.Combine(SharedData.Stories260K, "golden.json")).Single(c => c.Name == "park");
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 32, IgnoreEos = true };

    public async Task InitializeAsync()
    {
        var options = new SiloOptions { Role = MachineRole.Token, Model = SharedData.Stories260K, ClusterSecret = Secret, Id = "token-ctl", Threads = 1, KvCacheBytes = 64L << 20 };
        _hosted = HostedMachine.Start(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSplitwiseSilo(options, _hosted);
        _app = builder.Build();
        _app.MapSplitwiseSilo();
        await _app.StartAsync();
        _url = _app.BoundAddress();
        _remote = new RemoteMachine(new MachineRegistration(_hosted.Machine.Id, MachineRole.Token, _url.ToString(), _hosted.KvEndpoint, _hosted.Instance, _hosted.Shape, 1000,
            await _hosted.Machine.GetLoadAsync(default)), _http, Secret);
    }

    private static async Task<List<GenerationEvent>> DrainAsync(IAsyncEnumerable<GenerationEvent> events)
    {
        var list = new List<GenerationEvent>();
        await foreach (var ev in events) list.Add(ev);
        return list;
    }

    [Fact]
    public async Task Generate_streams_the_golden_ids_numbered_from_the_output_already_made()
    {
        var whole = await DrainAsync(_remote.GenerateAsync(new GenerateOrder(1, Golden.PromptIds, [], Greedy), default));
        Assert.Equal(Golden.GreedyIds, whole.Where(e => e.Token is not null).Select(e => e.Token!.Value.Id));
        Assert.Equal(Enumerable.Range(0, 32), whole.Where(e => e.Token is not null).Select(e => e.Index));

        // A request resumed after 10 tokens elsewhere: re-prefilled with them, numbered on from 10, same continuation.
        var resumed = await DrainAsync(_remote.GenerateAsync(new GenerateOrder(2, Golden.PromptIds, Golden.GreedyIds[..10], Greedy), default));
        Assert.Equal(Golden.GreedyIds[10..], resumed.Where(e => e.Token is not null).Select(e => e.Token!.Value.Id));
        Assert.Equal(10, resumed[0].Index);
        Assert.Equal(Splitwise.Engine.Scheduling.FinishReason.Length, resumed[^1].Finish);
    }

    [Fact]
    public async Task Reserve_and_release_hold_and_free_blocks_and_name_the_kv_endpoint()
    {
        var grant = await _remote.ReserveAsync(new KvReservation(7, Golden.PromptIds, Greedy), default);
        Assert.True(grant.Accepted, grant.Reason);
        Assert.Equal(_hosted.KvEndpoint, grant.KvEndpoint);
        Assert.Equal(_hosted.KvBoundEndPoint!.Port, int.Parse(grant.KvEndpoint.Split(':')[1]));
        Assert.True((await _remote.GetLoadAsync(default)).BlocksUsed > 0);
        Assert.False((await _remote.ReserveAsync(new KvReservation(7, Golden.PromptIds, Greedy), default)).Accepted);
        await _remote.ReleaseAsync(7, default);
        Assert.Equal(0, (await _remote.GetLoadAsync(default)).BlocksUsed);
    }

    [Fact]
    public async Task Renew_extends_a_held_reservation_over_http_and_never_revives_a_released_one()
    {
        Assert.True((await _remote.ReserveAsync(new KvReservation(8, Golden.PromptIds, Greedy), default)).Accepted);
        Assert.True(await _remote.RenewAsync(8, default));
        await _remote.ReleaseAsync(8, default);
        Assert.False(await _remote.RenewAsync(8, default));
        Assert.False(await _remote.RenewAsync(12345, default));
        Assert.Equal(0, (await _remote.GetLoadAsync(default)).BlocksUsed);
        // A renewal after the release reserved nothing: the id can be reserved afresh.
        Assert.True((await _remote.ReserveAsync(new KvReservation(8, Golden.PromptIds, Greedy), default)).Accepted);
        await _remote.ReleaseAsync(8, default);
    }

    [Fact]
    public async Task Failures_arrive_as_the_exceptions_of_the_machine_interfaces()
    {
        var tooLong = Enumerable.Repeat(5, 600).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => DrainAsync(_remote.GenerateAsync(new GenerateOrder(1, tooLong, [], Greedy), default)));
        await Assert.ThrowsAsync<ArgumentException>(() => _remote.ReserveAsync(new KvReservation(2, [1, 9999], Greedy), default));
        var kv = await Assert.ThrowsAsync<KvTransferException>(() => DrainAsync(_remote.DecodeAsync(new DecodeOrder(99, new SampledToken(1, 0, null)), default)));
        Assert.Contains("99", kv.Message);
        var unsupported = await Assert.ThrowsAsync<IOException>(() => _remote.PrefillAsync(
            new PrefillOrder(3, [1], Greedy, new KvHandoff(new MachineId("x"), "127.0.0.1:1", 3)), default));
        Assert.Contains("no prefill verb", unsupported.Message);
    }

    [Fact]
    public async Task Only_health_answers_without_the_secret_and_bad_bodies_are_400()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_url, ControlRoutes.Health))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.GetAsync(new Uri(_url, ControlRoutes.Info))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.PostAsJsonAsync(new Uri(_url, ControlRoutes.Release), new { request_id = 1 })).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_url, ControlRoutes.Reserve)) { Content = new StringContent("""{"request_id": 1}""") };
        request.Headers.Add(ClusterSecret.HeaderName, Secret);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ControlErrorBody>(SiloJson.Options))!.Error;
        Assert.Equal(ControlError.InvalidRequest, error.Type);
        Assert.Contains("KvReservation", error.Message);

        using var info = new HttpRequestMessage(HttpMethod.Get, new Uri(_url, ControlRoutes.Info));
        info.Headers.Add(ClusterSecret.HeaderName, Secret);
        var machine = (await (await _http.SendAsync(info)).Content.ReadFromJsonAsync<MachineInfo>(SiloJson.Options))!;
        Assert.Equal(new MachineId("token-ctl"), machine.Id);
        Assert.Equal(MachineRole.Token, machine.Role);
        Assert.Equal(512, machine.Model.VocabSize);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _hosted.Dispose();
        _http.Dispose();
    }
}
