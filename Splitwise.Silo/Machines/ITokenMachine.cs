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

    /// <summary>Drops a reservation that will not be used (the request finished on the prompt machine, or moved).</summary>
    Task ReleaseAsync(long requestId, CancellationToken cancellationToken);
}
