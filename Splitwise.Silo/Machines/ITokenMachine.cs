using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>The decode half of a split request.</summary>
public interface ITokenMachine : IMachine
{
    /// <summary>Reserves KV blocks for a prompt another machine will prefill, on a short renewable lease.</summary>
    Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken);

    /// <summary>
    /// Decodes a reserved request whose KV has arrived, from its second token on (events numbered from 1).
    /// Throws <see cref="KvTransfer.KvTransferException"/> if the KV never arrived whole or the lease expired.
    /// </summary>
    IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, CancellationToken cancellationToken);

    /// <summary>
    /// Extends a reservation's lease by its full length from now, while its prefill is still in flight (queued on a
    /// busy prompt machine, say). True if extended; false if the reservation is unknown, released or already expired,
    /// which is never undone: the caller's transfer will fail and the request is recomputed. Only the requester
    /// renews, so a requester that dies stops renewing and the lease frees the blocks.
    /// </summary>
    Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken);

    /// <summary>Drops a reservation that will not be used (the request finished on the prompt machine, or moved).</summary>
    Task ReleaseAsync(long requestId, CancellationToken cancellationToken);
}
