using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Splitwise.Gateway.Hosting;
using Splitwise.Gateway.Metrics;

namespace Splitwise.Tests.Support;

/// <summary>
/// A real gateway (Kestrel on 127.0.0.1, a free port) for one test, stopped on dispose. Each test builds its own,
/// so no test depends on another's traffic.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public ModelHost Host => _app.Services.GetRequiredService<ModelHost>();
    public ServingMetrics Metrics => _app.Services.GetRequiredService<ServingMetrics>();

    public static Task<GatewayServer> StoriesAsync(Func<GatewayOptions, GatewayOptions>? adjust = null)
        => StartAsync((adjust ?? (o => o))(new GatewayOptions { Model = SharedData.Stories260K, ModelGiven = true }));

    public static async Task<GatewayServer> StartAsync(GatewayOptions options, bool waitUntilReady = true)
    {
        var app = GatewayApp.Build(options with { Host = "127.0.0.1", Port = 0 }, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var server = new GatewayServer(app, app.BoundAddress());
        if (waitUntilReady)
        {
            var loaded = server.Host.WaitUntilLoadedAsync();
            if (await Task.WhenAny(loaded, Task.Delay(TimeSpan.FromSeconds(60))) != loaded) throw new TimeoutException("The model did not load in 60 s.");
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
