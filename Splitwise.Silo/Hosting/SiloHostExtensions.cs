using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// Wires one machine into a web application: Kestrel on --listen, the secret check, the drain gate, the control API
/// and membership (register, heartbeat, and on a graceful stop deregister and drain).
/// </summary>
public static class SiloHostExtensions
{
    /// <summary>Registers <paramref name="hosted"/> (the caller keeps ownership and disposes it after the app stops).</summary>
    public static WebApplicationBuilder AddSplitwiseSilo(this WebApplicationBuilder builder, SiloOptions options, HostedMachine hosted)
    {
        var listen = SiloCommandLine.ParseIpEndPoint("listen", options.Listen);
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(hosted);
        builder.Services.AddSingleton<DrainGate>();
        // Stopping covers the drain, the deregistration call, and Kestrel closing; the host's default (30 s) would cut a longer drain short.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(15));
        builder.Services.AddSingleton<RegistrationHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RegistrationHost>());
        return builder;
    }

    /// <summary>Every route but /health needs the cluster secret; new work is refused once the silo drains for shutdown.</summary>
    public static WebApplication MapSplitwiseSilo(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<SiloOptions>();
        var drain = app.Services.GetRequiredService<DrainGate>();
        var machine = app.Services.GetRequiredService<HostedMachine>().Machine;
        app.Use(async (context, next) =>
        {
            if (context.Request.Path != Wire.ControlRoutes.Health && !await ControlResponses.CheckSecretAsync(context, options.ClusterSecret)) return;
            if (!drain.TryEnter(DrainGate.IsNewWork(context.Request.Path.Value ?? "")))
            {
                await ControlResponses.WriteErrorAsync(context, new Wire.ControlError(Wire.ControlError.ShuttingDown,
                    $"Machine {machine.Id} is shutting down and takes no new work; run it elsewhere."));
                return;
            }
            try
            {
                await next(context);
            }
            finally
            {
                drain.Exit();
            }
        });
        app.MapControlApi(app.Services.GetRequiredService<HostedMachine>());
        return app;
    }
}
