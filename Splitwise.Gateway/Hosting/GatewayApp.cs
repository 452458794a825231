using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.OpenAi;

namespace Splitwise.Gateway.Hosting;

/// <summary>Builds the gateway web application; Program.cs and the tests share it.</summary>
public static class GatewayApp
{
    public static WebApplication Build(GatewayOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(options.HostArguments.ToArray());
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServingMetrics>();
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseApiKeyCheck(options.ApiKey);
        app.MapOperationsApi();
        app.MapClusterApi();
        app.MapOpenAiApi();
        return app;
    }

    /// <summary>The address Kestrel actually bound (what port 0 became), once the app has started.</summary>
    public static Uri BoundAddress(this WebApplication app)
        => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
