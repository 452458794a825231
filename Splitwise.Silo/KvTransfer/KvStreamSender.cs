using System.Collections.Concurrent;
using System.Diagnostics;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Engine.Transfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// The prompt machine's end of the KV stream. Installed as the engine's layer sink; for each routed sequence it
/// copies the layer's newly written tokens out of the cache as frames. Long prompts' frames go out while later
/// layers compute; short prompts' are held until <see cref="CompleteAsync"/>. One persistent connection per
/// token-machine endpoint, opened (and after a loss reopened) on first use; a lost connection fails every transfer
/// on it at once with a <see cref="KvTransferException"/>.
/// </summary>
public sealed class KvStreamSender : IKvLayerSink, IAsyncDisposable
{
    private readonly IKvTransport _transport;
    private readonly KvTransferOptions _options;
    private readonly ConcurrentDictionary<long, KvOutboundTransfer> _routes = new();
    private readonly Dictionary<string, KvSenderConnection> _connections = [];
    private readonly object _gate = new();
    private readonly KvSenderCounters _counters = new();
    private bool _disposed;

    public KvStreamSender(IKvTransport transport, KvTransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _transport = transport;
        _options = options;
    }

    /// <summary>Ship <paramref name="sequenceId"/>'s KV (prompt engine's sequence id) to the handoff target. Call before its first step.</summary>
    public void Route(long sequenceId, KvHandoff handoff, int promptTokens)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptTokens);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        var transfer = new KvOutboundTransfer(sequenceId, handoff, promptTokens, layerwise: promptTokens >= _options.LayerwiseMinTokens);
        if (!_routes.TryAdd(sequenceId, transfer)) throw new InvalidOperationException($"Sequence {sequenceId} already has a KV route.");
    }

    /// <summary>Called by the engine inside the forward pass, on the engine thread: only copies and enqueues.</summary>
    public void LayerWritten(int layer, ForwardBatch batch, KvCache cache)
    {
        if (_routes.IsEmpty) return;
        for (int s = 0; s < batch.Sequences.Count; s++)
        {
            var seq = batch.Sequences[s];
            if (!_routes.TryGetValue(seq.SequenceId, out var transfer)) continue;
            var frames = transfer.CopyLayer(layer, seq.StartPosition + seq.Tokens.Length, batch.BlockTables[s], cache, _options.MaxFrameBytes);
            if (frames != null) Enqueue(transfer, frames);
        }
    }

    /// <summary>
    /// The prefill has finished: send what is held back, then the End frame, and wait for the token machine's
    /// acknowledgement. Throws <see cref="KvTransferException"/> on refusal, connection loss or <see cref="KvTransferOptions.AckTimeout"/>.
    /// </summary>
    public async Task<KvTransferReport> CompleteAsync(long sequenceId, CancellationToken cancellationToken)
    {
        if (!_routes.TryGetValue(sequenceId, out var transfer)) throw new InvalidOperationException($"Sequence {sequenceId} has no KV route.");
        try
        {
            transfer.PrefillEndTimestamp = Stopwatch.GetTimestamp();
            List<OutgoingFrame> rest;
            try
            {
                rest = transfer.Close();
            }
            catch (KvTransferException e)
            {
                Fail(transfer, e);
                throw;
            }
            Enqueue(transfer, rest);
            try
            {
                await transfer.Acknowledged.Task.WaitAsync(_options.AckTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var e = new KvTransferException($"KV transfer of request {transfer.RequestId} to {transfer.Handoff.KvEndpoint}: no acknowledgement within {_options.AckTimeout.TotalSeconds:0.###} s.", transfer.RequestId);
                Fail(transfer, e);
                throw e;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Cancel(sequenceId);
                throw;
            }
            long now = Stopwatch.GetTimestamp();
            var total = KvSenderCounters.Between(transfer.FirstFrameTimestamp, now);
            var nonOverlapped = KvSenderCounters.Between(transfer.PrefillEndTimestamp, now);
            _counters.Completed(total, nonOverlapped);
            return new KvTransferReport(transfer.Bytes, transfer.Frames, total, nonOverlapped);
        }
        finally
        {
            _routes.TryRemove(new KeyValuePair<long, KvOutboundTransfer>(sequenceId, transfer));
            transfer.Connection?.Detach(transfer);
        }
    }

    /// <summary>Gives up on a route (request cancelled or finished by its first token); tells the receiver if anything was sent.</summary>
    public void Cancel(long sequenceId)
    {
        if (!_routes.TryRemove(sequenceId, out var transfer)) return;
        transfer.Fail(new KvTransferException($"KV transfer of request {transfer.RequestId} was cancelled.", transfer.RequestId));
        SendAbort(transfer);
        transfer.Connection?.Detach(transfer);
    }

    public KvTransferStats Stats => _counters.Snapshot();

    public async ValueTask DisposeAsync()
    {
        List<KvSenderConnection> connections;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            connections = [.. _connections.Values];
            _connections.Clear();
        }
        foreach (var transfer in _routes.Values)
            transfer.Fail(new KvTransferException($"KV transfer of request {transfer.RequestId} stopped: the sender was disposed.", transfer.RequestId));
        _routes.Clear();
        await Task.WhenAll(connections.Select(c => c.CloseAsync("the sender was disposed"))).ConfigureAwait(false);
    }

    private void Fail(KvOutboundTransfer transfer, KvTransferException error)
    {
        if (transfer.Fail(error)) _counters.Failed();
        SendAbort(transfer);
    }

    /// <summary>Frees the receiver's reservation early when part of the KV already went out on a live connection.</summary>
    private static void SendAbort(KvOutboundTransfer transfer)
    {
        if (transfer.AnythingQueued && transfer.Connection is { IsDead: false } connection)
            connection.Send([new OutgoingFrame(transfer, KvFrame.Abort(transfer.RequestId), null)]);
    }

    /// <summary>Queues frames on the transfer's connection, attaching it to its endpoint's live connection on first use.</summary>
    private void Enqueue(KvOutboundTransfer transfer, List<OutgoingFrame> frames)
    {
        var connection = transfer.Connection;
        if (connection == null)
        {
            // A connection found dead between lookup and attach is replaced; two tries cover that race.
            for (int attempt = 0; connection == null && attempt < 2; attempt++)
            {
                var candidate = ConnectionFor(transfer.Handoff.KvEndpoint);
                if (candidate == null) break;
                if (candidate.TryAttach(transfer)) connection = candidate;
            }
            if (connection == null)
            {
                foreach (var f in frames) f.Release();
                if (transfer.Fail(new KvTransferException($"KV transfer of request {transfer.RequestId} to {transfer.Handoff.KvEndpoint} failed: the sender is shut down or the connection kept failing.", transfer.RequestId)))
                    _counters.Failed();
                return;
            }
        }
        connection.Send(frames);
    }

    private KvSenderConnection? ConnectionFor(string endpoint)
    {
        lock (_gate)
        {
            if (_disposed) return null;
            if (_connections.TryGetValue(endpoint, out var existing) && !existing.IsDead) return existing;
            var created = new KvSenderConnection(endpoint, _transport, _options, _counters, Forget);
            _connections[endpoint] = created;
            created.Start();
            return created;
        }
    }

    private void Forget(KvSenderConnection connection)
    {
        lock (_gate)
            if (_connections.TryGetValue(connection.Endpoint, out var current) && current == connection) _connections.Remove(connection.Endpoint);
    }
}

/// <summary>One finished transfer: bytes on the wire, time from first frame to acknowledgement, and the part after prefill ended.</summary>
public sealed record KvTransferReport(long Bytes, int Frames, TimeSpan Total, TimeSpan NonOverlapped);
