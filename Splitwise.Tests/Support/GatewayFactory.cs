using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Splitwise.Gateway.Hosting;

namespace Splitwise.Tests.Support;

/// <summary>
/// The gateway's own Program on an in-memory test server (WebApplicationFactory), with the options a test chooses
/// registered over the command line's. For tests of what the transport does (SSE timing, disconnects, body
/// limits, real clients) see <see cref="GatewayServer"/>, which runs Kestrel on loopback.
/// </summary>
public sealed class GatewayFactory(GatewayOptions options) : WebApplicationFactory<Program>
{
    public static GatewayFactory Stories(Func<GatewayOptions, GatewayOptions>? adjust = null)
        => new((adjust ?? (o => o))(new GatewayOptions { Model = SharedData.Stories260K, ModelGiven = true }));

    public ModelHost Host => Services.GetRequiredService<ModelHost>();

    /// <summary>A client for a server whose model has finished loading.</summary>
    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        await Host.WaitUntilLoadedAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services => services.AddSingleton(options));
    }
}
