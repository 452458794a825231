using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Gateway.Cluster;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Membership;
using Splitwise.Silo.Wire;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Gateway.Cluster;

/// <summary>
/// How a remote machine fails, against fake silos: each failure arrives as the exception the cluster runner expects,
/// and fast (a dead silo, a cut stream, a silo that left the directory).
/// </summary>
[Trait("Category", "Integration")]
public class RemoteMachineFaultTests : IDisposable
{
    private const string Secret = "k";
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = Timeout.InfiniteTimeSpan };

    private RemoteMachine Remote(Uri url, string secret = Secret, RemoteMachineOptions? options = null) => new(
        new MachineRegistration(new MachineId("token-x"), MachineRole.Token, url.ToString(), "127.0.0.1:1", "i", new ModelShape(1, 1, 1, 1, 1, 1), 1000,
                                new MachineLoad(0, 0, 0, 0, 0, 0, 0, 0)),
        _http, secret, options);

    private static readonly DecodeOrder Order = new(5, new SampledToken(1, 0, null));
    private static readonly SamplingParams Greedy = new() { Temperature = 0 };

    private static GenerationEvent Token(int index) => new(index, new SampledToken(100 + index, -0.5f, null), null);

    private static async Task WriteLinesAsync(HttpContext c, params EventLine[] lines)
    {
        c.Response.ContentType = ControlRoutes.NdjsonMediaType;
        foreach (var line in lines)
        {
            await c.Response.WriteAsync(SiloJson.Serialize(line) + "\n");
            await c.Response.Body.FlushAsync();
        }
    }

    private static async Task<List<GenerationEvent>> DrainAsync(IAsyncEnumerable<GenerationEvent> events, List<GenerationEvent>? seen = null)
    {
        seen ??= [];
        await foreach (var ev in events) seen.Add(ev);
        return seen;
    }

    [Fact]
    public async Task Events_stream_through_in_order_and_stop_at_the_finish()
    {
        await using var silo = await LoopbackApp.StartAsync(app => app.MapPost(ControlRoutes.Decode, async c =>
        {
            if (!await ControlResponses.CheckSecretAsync(c, Secret)) return;
            var order = await ControlResponses.ReadBodyAsync<DecodeOrder>(c);
            Assert.Equal(5, order!.RequestId);
            await WriteLinesAsync(c, new EventLine(Token(1)), new EventLine(Token(2)), new EventLine(new GenerationEvent(3, null, FinishReason.Length)));
        }));
        var events = await DrainAsync(Remote(silo.BaseAddress).DecodeAsync(Order, CancellationToken.None));
        Assert.Equal([1, 2, 3], events.Select(e => e.Index));
        Assert.Equal(101, events[0].Token!.Value.Id);
        Assert.Equal(FinishReason.Length, events[^1].Finish);
    }

    [Fact]
    public async Task Error_responses_keep_their_meaning()
    {
        await using var silo = await LoopbackApp.StartAsync(app =>
        {
            app.MapPost(ControlRoutes.Generate, c => ControlResponses.WriteErrorAsync(c, ControlError.From(new ArgumentException("The prompt has 900 tokens"))));
            app.MapPost(ControlRoutes.Reserve, c => ControlResponses.WriteErrorAsync(c, ControlError.From(new KvTransferException("lease expired", 5))));
            app.MapPost(ControlRoutes.Decode, async c =>
            {
                if (!await ControlResponses.CheckSecretAsync(c, Secret)) return;
                await WriteLinesAsync(c, new EventLine(Token(1)), new EventLine(null, ControlError.From(new KvTransferException("frame rejected", 5))));
            });
            app.MapPost(ControlRoutes.Prefill, c => { c.Response.StatusCode = 502; return c.Response.WriteAsync("<html>bad gateway</html>"); });
        });
        var remote = Remote(silo.BaseAddress);
        var invalid = await Assert.ThrowsAsync<ArgumentException>(() => DrainAsync(remote.GenerateAsync(new GenerateOrder(1, [1], [], Greedy), CancellationToken.None)));
        Assert.Contains("900 tokens", invalid.Message);
        var kv = await Assert.ThrowsAsync<KvTransferException>(() => remote.ReserveAsync(new KvReservation(5, [1], Greedy), CancellationToken.None));
        Assert.Equal(5, kv.RequestId);

        var seen = new List<GenerationEvent>();
        await Assert.ThrowsAsync<KvTransferException>(() => DrainAsync(remote.DecodeAsync(Order, CancellationToken.None), seen));
        Assert.Single(seen); // the event before the error still arrived

        var foreign = await Assert.ThrowsAsync<IOException>(() => remote.PrefillAsync(
            new PrefillOrder(1, [1], Greedy, new KvHandoff(new MachineId("t"), "127.0.0.1:1", 1)), CancellationToken.None));
        Assert.Contains("502", foreign.Message);

        var unauthorized = await Assert.ThrowsAsync<IOException>(() => DrainAsync(Remote(silo.BaseAddress, "wrong").DecodeAsync(Order, CancellationToken.None)));
        Assert.Contains("unauthorized", unauthorized.Message);
    }

    [Fact]
    public async Task A_stream_cut_before_its_finish_is_a_machine_fault()
    {
        await using var silo = await LoopbackApp.StartAsync(app => app.MapPost(ControlRoutes.Decode, async c =>
        {
            await WriteLinesAsync(c, new EventLine(Token(1)));
            await Task.Delay(200); // let the line reach the client before the connection dies
            c.Abort(); // the process died mid-stream
        }));
        var seen = new List<GenerationEvent>();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => DrainAsync(Remote(silo.BaseAddress).DecodeAsync(Order, CancellationToken.None), seen));
        Assert.True(error is IOException or HttpRequestException, $"{error.GetType().Name}: {error.Message}");
        Assert.Single(seen);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_dead_silo_fails_calls_at_once()
    {
        var remote = Remote(new Uri($"http://127.0.0.1:{LoopbackApp.FreePort()}"));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<HttpRequestException>(() => remote.ReserveAsync(new KvReservation(1, [1], Greedy), CancellationToken.None));
        await Assert.ThrowsAsync<HttpRequestException>(() => DrainAsync(remote.DecodeAsync(Order, CancellationToken.None)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Leaving_the_directory_cuts_a_silent_stream_and_a_hanging_call()
    {
        var release = new TaskCompletionSource();
        await using var silo = await LoopbackApp.StartAsync(app =>
        {
            app.MapPost(ControlRoutes.Decode, async c =>
            {
                await WriteLinesAsync(c, new EventLine(Token(1)));
                await release.Task.WaitAsync(c.RequestAborted); // alive but hung
            });
            app.MapPost(ControlRoutes.Reserve, async c => await release.Task.WaitAsync(c.RequestAborted));
        });
        var remote = Remote(silo.BaseAddress);
        var seen = new List<GenerationEvent>();
        var decoding = DrainAsync(remote.DecodeAsync(Order, CancellationToken.None), seen);
        var reserving = remote.ReserveAsync(new KvReservation(1, [1], Greedy), CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (seen.Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Single(seen);
        Assert.False(decoding.IsCompleted || reserving.IsCompleted);

        remote.MarkGone();
        var cut = await Assert.ThrowsAsync<IOException>(() => decoding.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("left the directory", cut.Message);
        await Assert.ThrowsAsync<IOException>(() => reserving.WaitAsync(TimeSpan.FromSeconds(5)));
        release.SetResult();
    }

    [Fact]
    public async Task A_stream_that_goes_quiet_times_out()
    {
        await using var silo = await LoopbackApp.StartAsync(app => app.MapPost(ControlRoutes.Decode, async c =>
        {
            await WriteLinesAsync(c, new EventLine(Token(1)));
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
        }));
        var remote = Remote(silo.BaseAddress, options: new RemoteMachineOptions { EventTimeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<TimeoutException>(() => DrainAsync(remote.DecodeAsync(Order, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    public void Dispose() => _http.Dispose();
}
