using Splitwise.Silo.Machines;
using Splitwise.Gateway.Metrics;

namespace Splitwise.Gateway.Hosting;

/// <summary>
/// GET /health (the process answers), /ready (the model is loaded and some machine can serve; which roles are
/// present), /metrics (Prometheus text).
/// </summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/ready", (ModelHost host) =>
        {
            if (!host.IsReady) return Results.Json(new { status = host.LoadError is null ? "loading" : "failed", error = host.LoadError }, statusCode: 503);
            var roles = host.Directory.Members.GroupBy(m => m.Machine.Role).ToDictionary(g => g.Key, g => g.Count());
            int Count(MachineRole role) => roles.GetValueOrDefault(role);
            var machines = new { prompt = Count(MachineRole.Prompt), token = Count(MachineRole.Token), mixed = Count(MachineRole.Mixed) };
            bool split = machines.prompt > 0 && machines.token > 0;
            return host.CanServe
                ? Results.Json(new { status = "ready", model = host.ServedModelName, machines, split })
                : Results.Json(new { status = "no_machines", model = host.ServedModelName, machines, split, error = "No machine has registered yet." }, statusCode: 503);
        });
        app.MapGet("/metrics", (ModelHost host, ServingMetrics metrics) =>
            Results.Text(metrics.ToPrometheusText(host.IsReady ? host.Load : null, host.MachineMetrics()), "text/plain; version=0.0.4"));
        return app;
    }
}
