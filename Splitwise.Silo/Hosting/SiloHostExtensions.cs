using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Splitwise.Silo.Hosting;

/// <summary>Wires one machine into a web application: Kestrel on --listen, the secret check, the control API and membership.</summary>
public static class SiloHostExtensions
{
    /// <summary>Registers <paramref name="hosted"/> (the caller keeps ownership and disposes it after the app stops).</summary>
    public static WebApplicationBuilder AddSplitwiseSilo(this WebApplicationBuilder builder, SiloOptions options, HostedMachine hosted)
    {
        var listen = SiloCommandLine.ParseIpEndPoint("listen", options.Listen);
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(hosted);
        builder.Services.AddSingleton<RegistrationHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RegistrationHost>());
        return builder;
    }

    /// <summary>Every route but /health needs the cluster secret.</summary>
    public static WebApplication MapSplitwiseSilo(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<SiloOptions>();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == Wire.ControlRoutes.Health || await ControlResponses.CheckSecretAsync(context, options.ClusterSecret))
                await next(context);
        });
        app.MapControlApi(app.Services.GetRequiredService<HostedMachine>());
        return app;
    }
}
