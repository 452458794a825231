using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>Where a request runs: split over a prompt and a token machine, wholly on one machine, or nowhere now.</summary>
public abstract record RoutingDecision
{
    private RoutingDecision() { }

    /// <summary>Prefill on <paramref name="PromptMachine"/>, KV streamed to <paramref name="TokenMachine"/>, decode there.</summary>
    public sealed record Split(MachineId PromptMachine, MachineId TokenMachine) : RoutingDecision;

    /// <summary>
    /// Prefill and decode on <paramref name="Machine"/>. <paramref name="Borrowed"/>: the machine's home is the prompt
    /// or token side and it serves in the mixed pool until this and its other whole requests end.
    /// </summary>
    public sealed record Whole(MachineId Machine, bool Borrowed) : RoutingDecision;

    /// <summary>No machine takes the request now. <paramref name="RetryAfter"/> is null when retrying cannot help.</summary>
    public sealed record Reject(RejectionCause Cause, TimeSpan? RetryAfter, string Reason) : RoutingDecision;
}
