using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Splitwise.Engine.Cache;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// The token machine's end of the KV stream. Serves connections from prompt machines: checks the peer's secret,
/// validates every frame against the request's reservation (known, lease alive, layer/head/token range, dtype,
/// shape, checksum), writes accepted payloads into the reserved blocks, and acknowledges or refuses each request's
/// End. A bad frame fails only its own request, which gets a Nack at once; frames for unknown or expired requests
/// are refused with a Nack and touch nothing.
/// </summary>
/// <remarks>
/// Payloads are written into the reserved blocks while the engine keeps stepping other sequences: the blocks belong
/// to the request alone until it is forgotten or expires, and each request's writes and its expiry are serialised
/// by a per-request lock.
/// </remarks>
public sealed class KvStreamReceiver : IDisposable
{
    private readonly KvCache _cache;
    private readonly KvTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly KvElementType _elementType;
    private readonly ConcurrentDictionary<long, KvInboundTransfer> _requests = new();
    private readonly ConcurrentDictionary<KvReceiverConnection, byte> _connections = new();
    private readonly ITimer _sweep;
    private bool _disposed;
    private long _transfers, _bytesSent, _bytesReceived, _framesRejected, _failed, _transferTicks;

    public KvStreamReceiver(KvCache cache, KvTransferOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _cache = cache;
        _options = options;
        _time = time ?? TimeProvider.System;
        _elementType = cache.DataType == KvDataType.F16 ? KvElementType.F16 : KvElementType.F32;
        // Leases are checked on every frame too; the sweep only bounds how late a silent request is noticed.
        var period = TimeSpan.FromTicks(Math.Clamp(options.Lease.Ticks / 4, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond));
        _sweep = _time.CreateTimer(_ => SweepExpired(), null, period, period);
    }

    /// <summary>
    /// Starts expecting a request's KV into <paramref name="blockTable"/>, under a lease of <see cref="KvTransferOptions.Lease"/>
    /// renewed by each valid frame. When the lease runs out, <paramref name="expired"/> is called (once, on any thread)
    /// so the machine frees the blocks; later frames for the request are refused.
    /// </summary>
    public void Expect(long requestId, IReadOnlyList<int> blockTable, int promptTokens, Action<long> expired)
    {
        ArgumentNullException.ThrowIfNull(blockTable);
        ArgumentNullException.ThrowIfNull(expired);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptTokens);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        int needed = (promptTokens + _cache.BlockSize - 1) / _cache.BlockSize;
        if (blockTable.Count < needed)
            throw new ArgumentException($"Request {requestId}: {promptTokens} prompt tokens need {needed} blocks; the block table has {blockTable.Count}.", nameof(blockTable));
        foreach (int block in blockTable)
            if ((uint)block >= (uint)_cache.BlockCount)
                throw new ArgumentException($"Request {requestId}: block {block} is outside the cache's {_cache.BlockCount} blocks.", nameof(blockTable));
        var transfer = new KvInboundTransfer(requestId, [.. blockTable], promptTokens, expired,
            new TokenCoverage(_cache.LayerCount, _cache.KvHeadCount, promptTokens), _time.GetUtcNow() + _options.Lease);
        if (!_requests.TryAdd(requestId, transfer)) throw new InvalidOperationException($"Request {requestId} is already expected.");
    }

    /// <summary>Completes when the request's End arrived with every layer's tokens in place; throws <see cref="KvTransferException"/> if it failed or expired.</summary>
    public Task WaitCompleteAsync(long requestId, CancellationToken cancellationToken)
    {
        if (!_requests.TryGetValue(requestId, out var transfer))
            return Task.FromException(new KvTransferException($"KV of request {requestId}: not expected here (unknown, forgotten or expired).", requestId));
        return transfer.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Extends the request's lease by <see cref="KvTransferOptions.Lease"/> from now (its prefill is queued but alive).
    /// False if it is unknown, forgotten or expired: a lease that has already run out is expired here rather than
    /// revived, even if the sweep has not noticed it yet, so its blocks are never held again once they were due back.
    /// </summary>
    public bool Renew(long requestId)
    {
        if (!_requests.TryGetValue(requestId, out var transfer)) return false;
        bool expiredNow;
        lock (transfer.Gate)
        {
            if (transfer.State == KvInboundState.Gone) return false;
            var now = _time.GetUtcNow();
            expiredNow = now > transfer.Deadline && Expire(transfer);
            if (!expiredNow)
            {
                transfer.Deadline = now + _options.Lease;
                return true;
            }
        }
        NotifyExpired(transfer);
        return false;
    }

    /// <summary>Stops expecting the request (decode started, or the reservation was released). Returns false if unknown.</summary>
    public bool Forget(long requestId)
    {
        if (!_requests.TryRemove(requestId, out var transfer)) return false;
        lock (transfer.Gate) transfer.Fail("the reservation was released", KvInboundState.Gone);
        return true;
    }

    /// <summary>Reads frames from one peer connection until it closes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task ServeAsync(IDuplexPipe connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var state = new KvReceiverConnection(connection);
        _connections[state] = 0;
        try
        {
            if (!await HandshakeAsync(state, cancellationToken).ConfigureAwait(false)) return;
            while (true)
            {
                var result = await connection.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                long before = buffer.Length;
                ReadFrames(ref buffer, state);
                Interlocked.Add(ref _bytesReceived, before - buffer.Length);
                state.Buffered = buffer.Length;
                connection.Input.AdvanceTo(buffer.Start, buffer.End);
                if (!await FlushAsync(state, cancellationToken).ConfigureAwait(false) || result.IsCompleted) return;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // The peer went away mid-read or mid-write; its requests fail by lease or by their sender's retry.
        }
        finally
        {
            _connections.TryRemove(state, out _);
            await connection.Input.CompleteAsync().ConfigureAwait(false);
            await connection.Output.CompleteAsync().ConfigureAwait(false);
        }
    }

    public KvTransferStats Stats => new(
        Interlocked.Read(ref _transfers), Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived),
        Interlocked.Read(ref _framesRejected), Interlocked.Read(ref _failed), TimeSpan.FromTicks(Interlocked.Read(ref _transferTicks)),
        TimeSpan.Zero, _connections.Keys.Sum(c => c.Buffered));

    /// <summary>Stops the lease sweep and fails every waiter; expects nothing after.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _sweep.Dispose();
        foreach (var id in _requests.Keys) Forget(id);
    }

    /// <summary>Reads the first frame within the connect timeout; anything but an acceptable Hello is refused and the connection closed.</summary>
    private async Task<bool> HandshakeAsync(KvReceiverConnection state, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var input = state.Connection.Input;
        string? refusal;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                long before = buffer.Length;
                KvFrame? hello = null;
                try
                {
                    if (KvFrameCodec.TryRead(ref buffer, ref state.Scanned, out var header, out var payload))
                        hello = header with { Payload = payload.ToArray() };
                    refusal = hello == null ? null : KvHello.Refusal(hello, _options.ClusterSecret);
                }
                catch (KvFrameException e)
                {
                    refusal = $"unreadable Hello: {e.Message}";
                }
                Interlocked.Add(ref _bytesReceived, before - buffer.Length);
                // Frames sent right behind the Hello stay unexamined, so the frame loop reads them without new data.
                if (hello != null || refusal != null) input.AdvanceTo(buffer.Start);
                else input.AdvanceTo(buffer.Start, buffer.End);
                if (hello != null || refusal != null) break;
                if (result.IsCompleted) return false;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            refusal = $"no Hello within {_options.ConnectTimeout.TotalSeconds:0.###} s";
        }
        if (refusal != null) Interlocked.Increment(ref _framesRejected);
        Reply(state, refusal == null ? KvFrame.Ack(0) : KvFrame.Nack(0, refusal));
        return await FlushAsync(state, cancellationToken).ConfigureAwait(false) && refusal == null;
    }

    /// <summary>Handles every whole frame in <paramref name="buffer"/>; replies are written, not yet flushed.</summary>
    private void ReadFrames(ref ReadOnlySequence<byte> buffer, KvReceiverConnection state)
    {
        while (true)
        {
            KvFrame header;
            ReadOnlySequence<byte> payload;
            try
            {
                if (!KvFrameCodec.TryRead(ref buffer, ref state.Scanned, out header, out payload)) return;
            }
            catch (KvFrameException e)
            {
                Interlocked.Increment(ref _framesRejected);
                if (e.RequestId is long id) RefuseAndFail(state, id, e.Message);
                continue;
            }
            Handle(state, header, payload);
        }
    }

    private void Handle(KvReceiverConnection state, KvFrame frame, ReadOnlySequence<byte> payload)
    {
        if (frame.Kind is not (KvFrameKind.LayerData or KvFrameKind.End or KvFrameKind.Abort))
        {
            Interlocked.Increment(ref _framesRejected); // Hello again, or a reply kind: not for a receiver
            return;
        }
        if (!_requests.TryGetValue(frame.RequestId, out var transfer))
        {
            Interlocked.Increment(ref _framesRejected);
            if (frame.Kind != KvFrameKind.Abort) Reply(state, KvFrame.Nack(frame.RequestId, "not expected here (unknown, forgotten or expired)"));
            return;
        }
        bool expiredNow = false;
        lock (transfer.Gate)
        {
            if (transfer.State == KvInboundState.Receiving && _time.GetUtcNow() > transfer.Deadline)
                expiredNow = Expire(transfer);
            switch (transfer.State)
            {
                case KvInboundState.Gone:
                    Interlocked.Increment(ref _framesRejected);
                    if (frame.Kind != KvFrameKind.Abort) Reply(state, KvFrame.Nack(frame.RequestId, "not expected here (unknown, forgotten or expired)"));
                    break;
                case KvInboundState.Failed:
                    if (frame.Kind == KvFrameKind.Abort) break;
                    Interlocked.Increment(ref _framesRejected);
                    if (frame.Kind == KvFrameKind.End) Reply(state, KvFrame.Nack(frame.RequestId, transfer.FailureReason ?? "failed"));
                    break;
                case KvInboundState.Complete:
                    // A repeated End is answered again; anything else after End is refused but leaves the KV as it was.
                    if (frame.Kind == KvFrameKind.End) Reply(state, KvFrame.Ack(frame.RequestId));
                    else if (frame.Kind == KvFrameKind.LayerData)
                    {
                        Interlocked.Increment(ref _framesRejected);
                        Reply(state, KvFrame.Nack(frame.RequestId, "frame after End"));
                    }
                    break;
                default:
                    Receive(state, transfer, frame, payload);
                    break;
            }
        }
        if (expiredNow) NotifyExpired(transfer);
    }

    /// <summary>A frame for a request still receiving. Called under the request's lock.</summary>
    private void Receive(KvReceiverConnection state, KvInboundTransfer transfer, KvFrame frame, ReadOnlySequence<byte> payload)
    {
        if (frame.Kind == KvFrameKind.Abort)
        {
            if (transfer.Fail("the prompt machine aborted the transfer")) Interlocked.Increment(ref _failed);
            return;
        }
        if (frame.Kind == KvFrameKind.End)
        {
            if (transfer.Coverage.FirstGap() is { } gap)
            {
                Interlocked.Increment(ref _framesRejected);
                FailAndNack(state, transfer, $"End arrived but the KV is incomplete: {gap}");
                return;
            }
            transfer.State = KvInboundState.Complete;
            transfer.Deadline = _time.GetUtcNow() + _options.Lease;
            Interlocked.Increment(ref _transfers);
            Interlocked.Add(ref _transferTicks, _time.GetElapsedTime(transfer.FirstFrameTimestamp).Ticks);
            transfer.Completion.TrySetResult();
            Reply(state, KvFrame.Ack(frame.RequestId));
            return;
        }
        if (Problem(transfer, frame) is { } problem)
        {
            Interlocked.Increment(ref _framesRejected);
            FailAndNack(state, transfer, $"layer {frame.Layer} frame refused: {problem}");
            return;
        }
        if (transfer.FirstFrameTimestamp == 0) transfer.FirstFrameTimestamp = _time.GetTimestamp();
        if (payload.IsSingleSegment) Land(transfer, frame, payload.FirstSpan);
        else
        {
            var joined = ArrayPool<byte>.Shared.Rent((int)payload.Length);
            try
            {
                payload.CopyTo(joined);
                Land(transfer, frame, joined.AsSpan(0, (int)payload.Length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
        transfer.Deadline = _time.GetUtcNow() + _options.Lease;
    }

    private void Land(KvInboundTransfer transfer, KvFrame frame, ReadOnlySpan<byte> payload)
    {
        _cache.CopyTokensIn(frame.Layer, transfer.BlockTable, frame.TokenStart, frame.TokenCount, frame.HeadStart, frame.HeadCount, payload);
        transfer.Coverage.Add(frame.Layer, frame.HeadStart, frame.HeadCount, frame.TokenStart, frame.TokenStart + frame.TokenCount);
    }

    /// <summary>Why a LayerData frame does not fit the request's reservation or this cache, or null.</summary>
    private string? Problem(KvInboundTransfer transfer, KvFrame frame)
    {
        if (frame.Layer >= _cache.LayerCount) return $"layer {frame.Layer} is outside the model's {_cache.LayerCount} layers";
        if (frame.HeadCount < 1 || frame.HeadStart + frame.HeadCount > _cache.KvHeadCount)
            return $"KV heads {frame.HeadStart}+{frame.HeadCount} are outside the model's {_cache.KvHeadCount}";
        if (frame.TokenCount < 1 || (long)frame.TokenStart + frame.TokenCount > transfer.PromptTokens)
            return $"tokens {frame.TokenStart}+{frame.TokenCount} are outside the {transfer.PromptTokens}-token prompt";
        if (frame.ElementType != _elementType) return $"element type {frame.ElementType} differs from this cache's {_elementType}";
        if (frame.HeadDim != _cache.HeadDim) return $"head dim {frame.HeadDim} differs from this cache's {_cache.HeadDim}";
        return null;
    }

    private void RefuseAndFail(KvReceiverConnection state, long requestId, string reason)
    {
        if (_requests.TryGetValue(requestId, out var transfer))
        {
            lock (transfer.Gate)
            {
                if (transfer.State == KvInboundState.Receiving)
                {
                    FailAndNack(state, transfer, reason);
                    return;
                }
            }
        }
        Reply(state, KvFrame.Nack(requestId, reason));
    }

    private void FailAndNack(KvReceiverConnection state, KvInboundTransfer transfer, string reason)
    {
        if (transfer.Fail(reason)) Interlocked.Increment(ref _failed);
        Reply(state, KvFrame.Nack(transfer.RequestId, reason));
    }

    /// <summary>Ends a request whose lease ran out. Call under its lock; the caller runs its expired callback after releasing it.</summary>
    private bool Expire(KvInboundTransfer transfer)
    {
        if (transfer.State == KvInboundState.Gone) return false;
        if (transfer.Fail("lease expired", KvInboundState.Gone)) Interlocked.Increment(ref _failed);
        _requests.TryRemove(new KeyValuePair<long, KvInboundTransfer>(transfer.RequestId, transfer));
        return true;
    }

    private void SweepExpired()
    {
        var now = _time.GetUtcNow();
        foreach (var transfer in _requests.Values)
        {
            bool expired;
            lock (transfer.Gate) expired = now > transfer.Deadline && Expire(transfer);
            if (expired) NotifyExpired(transfer);
        }
    }

    private static void NotifyExpired(KvInboundTransfer transfer)
    {
        try
        {
            transfer.Expired(transfer.RequestId);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The machine's callback failing is the machine's bug to report; it must not stop the sweep timer or
            // drop a connection that carries other requests.
        }
    }

    private void Reply(KvReceiverConnection state, KvFrame frame)
    {
        KvFrameCodec.Write(state.Connection.Output, frame);
        Interlocked.Add(ref _bytesSent, KvFrameCodec.WireBytes(frame));
    }

    /// <summary>Flushes replies; false when the peer no longer reads them.</summary>
    private static async ValueTask<bool> FlushAsync(KvReceiverConnection state, CancellationToken cancellationToken)
    {
        var output = state.Connection.Output;
        if (output.CanGetUnflushedBytes && output.UnflushedBytes == 0) return true;
        var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !flushed.IsCompleted;
    }
}
