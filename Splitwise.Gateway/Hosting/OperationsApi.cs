using Splitwise.Gateway.Metrics;

namespace Splitwise.Gateway.Hosting;

/// <summary>GET /health (the process answers), /ready (the model is loaded), /metrics (Prometheus text).</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/ready", (ModelHost host) => host.IsReady
            ? Results.Json(new { status = "ready", model = host.ServedModelName })
            : Results.Json(new { status = host.LoadError is null ? "loading" : "failed", error = host.LoadError }, statusCode: 503));
        app.MapGet("/metrics", (ModelHost host, ServingMetrics metrics) =>
            Results.Text(metrics.ToPrometheusText(host.IsReady ? host.Load : null, host.MachineMetrics()), "text/plain; version=0.0.4"));
        return app;
    }
}
