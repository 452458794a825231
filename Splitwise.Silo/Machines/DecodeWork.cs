using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// The token side of a split request: reserve blocks on a lease, let the receiver fill them, then decode on from
/// the prompt machine's first token. Shared by token and mixed machines. Engine calls happen in mailbox turns.
/// </summary>
internal sealed class DecodeWork(EngineLoop loop, KvStreamReceiver receiver, string kvEndpoint, KvTransferOptions options)
{
    private readonly ConcurrentDictionary<long, Sequence> _reserved = new();

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken)
        => loop.InvokeAsync(engine =>
        {
            if (_reserved.ContainsKey(reservation.RequestId))
                return new KvReservationGrant(false, kvEndpoint, options.Lease, $"Request {reservation.RequestId} is already reserved here.");
            var seq = engine.ReserveForHandoff(reservation.Prompt, reservation.Sampling);
            if (seq is null) return new KvReservationGrant(false, kvEndpoint, options.Lease, "No free KV blocks for this prompt now.");
            _reserved[reservation.RequestId] = seq;
            receiver.Expect(reservation.RequestId, seq.BlockTable.ToArray(), reservation.Prompt.Length, id => _ = ReleaseAsync(id, CancellationToken.None));
            return new KvReservationGrant(true, kvEndpoint, options.Lease);
        });

    /// <summary>The receiver's leases are thread-safe, so a renewal skips the mailbox and is not delayed behind engine steps.</summary>
    public Task<bool> RenewAsync(long requestId) => Task.FromResult(receiver.Renew(requestId));

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken)
        => loop.InvokeAsync(engine =>
        {
            receiver.Forget(requestId);
            if (!_reserved.TryRemove(requestId, out var seq)) return false;
            engine.Abort(seq.Id);
            return true;
        });

    public async IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await ResumeAsync(order, cancellationToken);
        await foreach (var ev in Machine.ReadToFinishAsync(stream, cancellationToken)) yield return ev;
    }

    private async Task<GenerationStream> ResumeAsync(DecodeOrder order, CancellationToken cancellationToken)
    {
        try
        {
            await receiver.WaitCompleteAsync(order.RequestId, cancellationToken);
            return await loop.InvokeAsync(engine =>
            {
                receiver.Forget(order.RequestId);
                if (!_reserved.TryRemove(order.RequestId, out var seq))
                    throw new KvTransferException($"Request {order.RequestId} has no reservation here (released or expired).", order.RequestId);
                engine.ResumeAfterHandoff(seq, order.FirstToken.Id);
                return loop.Attach(seq);
            });
        }
        catch
        {
            await ReleaseAsync(order.RequestId, CancellationToken.None);
            throw;
        }
    }
}
