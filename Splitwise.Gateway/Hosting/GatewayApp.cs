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
        app.MapOpenAiApi();
        return app;
    }
}
