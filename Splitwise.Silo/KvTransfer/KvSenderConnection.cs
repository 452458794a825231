using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// One persistent connection from a prompt machine to a token machine's KV endpoint: connects and says Hello on
/// first use, writes queued frames off the engine thread, and reads the Acks and Nacks that come back. When the
/// connection is lost every transfer on it fails at once; the sender opens a new connection for later transfers.
/// </summary>
internal sealed class KvSenderConnection
{
    private readonly IKvTransport _transport;
    private readonly KvTransferOptions _options;
    private readonly KvSenderCounters _counters;
    private readonly Action<KvSenderConnection> _lost;
    private readonly Channel<OutgoingFrame> _queue = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, KvOutboundTransfer> _inFlight = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private long _scanned;
    private bool _dead;
    private Task _run = Task.CompletedTask;

    public KvSenderConnection(string endpoint, IKvTransport transport, KvTransferOptions options, KvSenderCounters counters, Action<KvSenderConnection> lost)
    {
        Endpoint = endpoint;
        _transport = transport;
        _options = options;
        _counters = counters;
        _lost = lost;
    }

    public string Endpoint { get; }
    public bool IsDead => Volatile.Read(ref _dead);

    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>Makes this connection carry <paramref name="transfer"/>'s frames and acknowledgement. False if the connection is already dead.</summary>
    public bool TryAttach(KvOutboundTransfer transfer)
    {
        lock (_gate)
        {
            if (_dead) return false;
            if (_inFlight.TryGetValue(transfer.RequestId, out var other) && other != transfer)
            {
                transfer.Fail(new KvTransferException($"Request {transfer.RequestId} is already being sent to {Endpoint} by another transfer.", transfer.RequestId));
                return true;
            }
            _inFlight[transfer.RequestId] = transfer;
            transfer.Connection = this;
            return true;
        }
    }

    public void Detach(KvOutboundTransfer transfer)
    {
        lock (_gate)
            if (_inFlight.TryGetValue(transfer.RequestId, out var current) && current == transfer) _inFlight.Remove(transfer.RequestId);
    }

    /// <summary>Queues frames for the write loop (never blocks). Frames that can no longer go out are released.</summary>
    public void Send(IEnumerable<OutgoingFrame> frames)
    {
        foreach (var f in frames)
            if (!_queue.Writer.TryWrite(f)) f.Release();
    }

    /// <summary>Ends the connection: every transfer still on it fails with <paramref name="reason"/>.</summary>
    public void Fail(string reason, Exception? inner = null)
    {
        List<KvOutboundTransfer> hit;
        lock (_gate)
        {
            if (_dead) return;
            _dead = true;
            hit = [.. _inFlight.Values];
            _inFlight.Clear();
        }
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _lost(this);
        foreach (var t in hit)
            if (t.Fail(new KvTransferException($"KV transfer of request {t.RequestId} to {Endpoint} failed: {reason}", t.RequestId, inner)))
                _counters.Failed();
    }

    /// <summary>Fails what is on the connection and waits (bounded) for its loops to finish.</summary>
    public async Task CloseAsync(string reason)
    {
        Fail(reason);
        await _run.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync()
    {
        IDuplexPipe? pipe = null;
        Task replies = Task.CompletedTask;
        try
        {
            pipe = await ConnectAsync().ConfigureAwait(false);
            await HandshakeAsync(pipe).ConfigureAwait(false);
            replies = ReadRepliesAsync(pipe.Input);
            await WriteQueuedAsync(pipe.Output).ConfigureAwait(false);
        }
        catch (KvTransferException e)
        {
            Fail(e.Message, e.InnerException);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(_stop.IsCancellationRequested ? "the connection was closed" : $"connection lost ({e.Message})", e);
        }
        finally
        {
            Fail("the connection was closed");
            while (_queue.Reader.TryRead(out var left)) left.Release();
            if (pipe != null)
            {
                await pipe.Output.CompleteAsync().ConfigureAwait(false);
                await replies.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await pipe.Input.CompleteAsync().ConfigureAwait(false);
                if (pipe is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<IDuplexPipe> ConnectAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            return await _transport.ConnectAsync(Endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            throw new KvTransferException($"could not connect within {_options.ConnectTimeout.TotalSeconds:0.###} s", 0);
        }
        catch (Exception e) when (e is not OperationCanceledException and not KvTransferException)
        {
            throw new KvTransferException($"could not connect ({e.Message})", 0, e);
        }
    }

    /// <summary>Says Hello and waits, within the connect timeout, for the receiver's Ack or Nack of it.</summary>
    private async Task HandshakeAsync(IDuplexPipe pipe)
    {
        var hello = KvHello.Frame(_options.ClusterSecret);
        KvFrameCodec.Write(pipe.Output, hello);
        _counters.Sent(KvFrameCodec.WireBytes(hello));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await pipe.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            while (true)
            {
                var result = await pipe.Input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                long before = buffer.Length;
                KvFrame? reply = null;
                string? garbled = null;
                try
                {
                    if (KvFrameCodec.TryRead(ref buffer, ref _scanned, out var header, out var payload))
                        reply = header with { Payload = payload.ToArray() };
                }
                catch (KvFrameException e)
                {
                    garbled = e.Message;
                }
                _counters.Received(before - buffer.Length);
                // Once a frame was taken, what follows stays unexamined so the reply loop sees it without new data.
                if (reply != null || garbled != null) pipe.Input.AdvanceTo(buffer.Start);
                else pipe.Input.AdvanceTo(buffer.Start, buffer.End);
                if (garbled != null) throw new KvTransferException($"the token machine's answer to Hello is unreadable: {garbled}", 0);
                if (reply is { Kind: KvFrameKind.Ack, RequestId: 0 }) return;
                if (reply is { Kind: KvFrameKind.Nack }) throw new KvTransferException($"the token machine refused the connection: {reply.Reason}", 0);
                if (reply != null) throw new KvTransferException($"the token machine answered Hello with {reply.Kind}", 0);
                if (result.IsCompleted) throw new KvTransferException("the token machine closed the connection during the handshake", 0);
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            throw new KvTransferException($"no answer to Hello within {_options.ConnectTimeout.TotalSeconds:0.###} s", 0);
        }
    }

    private async Task WriteQueuedAsync(PipeWriter output)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                try
                {
                    // Frames of a transfer that already failed are dropped, except the Abort that tells the receiver.
                    if (item.Transfer.IsFailed && item.Frame.Kind != KvFrameKind.Abort) continue;
                    KvFrameCodec.Write(output, item.Frame);
                    long bytes = KvFrameCodec.WireBytes(item.Frame);
                    item.Transfer.Wrote(bytes);
                    _counters.Sent(bytes);
                }
                finally
                {
                    item.Release();
                }
                if (output.CanGetUnflushedBytes && output.UnflushedBytes >= 1 << 20) await FlushAsync(output).ConfigureAwait(false);
            }
            await FlushAsync(output).ConfigureAwait(false);
        }
    }

    private async ValueTask FlushAsync(PipeWriter output)
    {
        var flushed = await output.FlushAsync(_stop.Token).ConfigureAwait(false);
        if (flushed.IsCompleted) throw new KvTransferException("the token machine closed the connection", 0);
    }

    private async Task ReadRepliesAsync(PipeReader input)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                long before = buffer.Length;
                ReadReplies(ref buffer);
                _counters.Received(before - buffer.Length);
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Fail("the token machine closed the connection");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Fail($"connection lost ({e.Message})", e);
        }
    }

    private void ReadReplies(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            KvFrame header;
            ReadOnlySequence<byte> payload;
            try
            {
                if (!KvFrameCodec.TryRead(ref buffer, ref _scanned, out header, out payload)) return;
            }
            catch (KvFrameException)
            {
                continue; // a garbled reply: the request it was for will time out waiting for its acknowledgement
            }
            KvOutboundTransfer? transfer;
            lock (_gate) _inFlight.TryGetValue(header.RequestId, out transfer);
            if (transfer == null) continue; // a late answer for a transfer that already ended
            if (header.Kind == KvFrameKind.Ack) transfer.Acknowledged.TrySetResult();
            else if (header.Kind == KvFrameKind.Nack)
            {
                string reason = System.Text.Encoding.UTF8.GetString(payload.ToArray());
                if (transfer.Fail(new KvTransferException($"Token machine at {Endpoint} refused the KV of request {header.RequestId}: {reason}", header.RequestId)))
                    _counters.Failed();
            }
        }
    }
}
