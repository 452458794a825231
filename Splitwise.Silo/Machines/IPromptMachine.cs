using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>The prefill half of a split request.</summary>
public interface IPromptMachine : IMachine
{
    /// <summary>
    /// Prefills the prompt, samples the first token, and streams the prompt's KV to <c>order.Handoff</c>'s token
    /// machine (layer by layer for long prompts). Returns once the token machine has acknowledged the whole KV, so a
    /// decode order sent after this finds it in place. Throws <see cref="KvTransfer.KvTransferException"/> when the
    /// transfer fails; the caller then recomputes the request elsewhere.
    /// </summary>
    Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken);
}
