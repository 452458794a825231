using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// The machine's verbs over HTTP (see <see cref="ControlRoutes"/>). Errors keep their meaning across the wire
/// (<see cref="ControlError.From"/>); a verb the machine's role lacks answers 404 "unsupported".
/// </summary>
public static class ControlApi
{
    public static IEndpointRouteBuilder MapControlApi(this IEndpointRouteBuilder app, HostedMachine hosted)
    {
        var machine = hosted.Machine;
        app.MapGet(ControlRoutes.Health, (HttpContext c) => ControlResponses.WriteJsonAsync(c, new { status = "ok", machine = machine.Id.Value }));
        app.MapGet(ControlRoutes.Info, (HttpContext c) => ControlResponses.WriteJsonAsync(c, hosted.Info));
        app.MapGet(ControlRoutes.Load, async (HttpContext c) => await ControlResponses.WriteJsonAsync(c, await machine.GetLoadAsync(c.RequestAborted)));
        app.MapPost(ControlRoutes.Generate, async (HttpContext c) =>
        {
            if (await ControlResponses.ReadBodyAsync<GenerateOrder>(c) is { } order)
                await ControlResponses.StreamEventsAsync(c, machine.GenerateAsync(order, c.RequestAborted));
        });
        app.MapPost(ControlRoutes.Prefill, (HttpContext c) => WithRoleAsync<IPromptMachine>(c, machine, "prefill", PrefillAsync));
        app.MapPost(ControlRoutes.Reserve, (HttpContext c) => WithRoleAsync<ITokenMachine>(c, machine, "reserve", ReserveAsync));
        app.MapPost(ControlRoutes.Decode, (HttpContext c) => WithRoleAsync<ITokenMachine>(c, machine, "decode", DecodeAsync));
        app.MapPost(ControlRoutes.Renew, (HttpContext c) => WithRoleAsync<ITokenMachine>(c, machine, "renew", RenewAsync));
        app.MapPost(ControlRoutes.Release, (HttpContext c) => WithRoleAsync<ITokenMachine>(c, machine, "release", ReleaseAsync));
        return app;
    }

    private static async Task PrefillAsync(HttpContext c, IPromptMachine prompt)
    {
        if (await ControlResponses.ReadBodyAsync<PrefillOrder>(c) is { } order)
            await UnaryAsync(c, ct => prompt.PrefillAsync(order, ct));
    }

    private static async Task ReserveAsync(HttpContext c, ITokenMachine token)
    {
        if (await ControlResponses.ReadBodyAsync<KvReservation>(c) is { } reservation)
            await UnaryAsync(c, ct => token.ReserveAsync(reservation, ct));
    }

    private static async Task DecodeAsync(HttpContext c, ITokenMachine token)
    {
        if (await ControlResponses.ReadBodyAsync<DecodeOrder>(c) is { } order)
            await ControlResponses.StreamEventsAsync(c, token.DecodeAsync(order, c.RequestAborted));
    }

    private static async Task RenewAsync(HttpContext c, ITokenMachine token)
    {
        if (await ControlResponses.ReadBodyAsync<RenewOrder>(c) is { } order)
            await UnaryAsync(c, async ct => new RenewReply(order.RequestId, await token.RenewAsync(order.RequestId, ct)));
    }

    private static async Task ReleaseAsync(HttpContext c, ITokenMachine token)
    {
        if (await ControlResponses.ReadBodyAsync<ReleaseOrder>(c) is { } order)
            await UnaryAsync(c, async ct =>
            {
                await token.ReleaseAsync(order.RequestId, ct);
                return order;
            });
    }

    private static Task WithRoleAsync<T>(HttpContext context, IMachine machine, string verb, Func<HttpContext, T, Task> handle) where T : class
        => machine is T typed
            ? handle(context, typed)
            : ControlResponses.WriteErrorAsync(context, new ControlError(ControlError.Unsupported,
                $"Machine {machine.Id} is a {machine.Role.ToString().ToLowerInvariant()} machine; it has no {verb} verb."));

    private static async Task UnaryAsync<T>(HttpContext context, Func<CancellationToken, Task<T>> call)
    {
        T result;
        try
        {
            result = await call(context.RequestAborted);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the caller is gone
        }
        catch (Exception e)
        {
            await ControlResponses.WriteErrorAsync(context, ControlError.From(e));
            return;
        }
        await ControlResponses.WriteJsonAsync(context, result);
    }
}
