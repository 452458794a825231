using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Support;

/// <summary>
/// Wraps a transport and re-frames what a sender writes, damaging chosen frames on the way: the Nth LayerData frame
/// (counted from 0) of a given request id. Replies pass through untouched. <see cref="DropAll"/> cuts every
/// connection made so far, as a crashed peer or a broken network would.
/// </summary>
public sealed class FaultyKvTransport(IKvTransport inner) : IKvTransport
{
    private readonly ConcurrentDictionary<(long RequestId, int Index), KvFault> _faults = new();
    private readonly ConcurrentDictionary<long, int> _layerFrames = new();
    private readonly ConcurrentBag<CancellationTokenSource> _connections = [];
    private int _applied;

    public int FaultsApplied => Volatile.Read(ref _applied);
    public int ConnectionsMade => _connections.Count;

    public void Inject(long requestId, int layerFrameIndex, KvFault fault) => _faults[(requestId, layerFrameIndex)] = fault;

    private readonly ConcurrentDictionary<(int Ordinal, int Index), KvFault> _ordinalFaults = new();
    private readonly ConcurrentDictionary<long, int> _ordinals = new();
    private int _requestsSeen;

    /// <summary>Damages a frame of the <paramref name="ordinal"/>-th request (from 0) to send KV, for callers that do not know request ids in advance.</summary>
    public void InjectIntoRequestNumber(int ordinal, int layerFrameIndex, KvFault fault) => _ordinalFaults[(ordinal, layerFrameIndex)] = fault;

    /// <summary>Request ids whose frames were damaged.</summary>
    public ConcurrentBag<long> DamagedRequests { get; } = [];

    /// <summary>Stops forwarding and closes every connection towards the receiver, which then closes its side.</summary>
    public void DropAll()
    {
        foreach (var cut in _connections) cut.Cancel();
    }

    public async ValueTask<IDuplexPipe> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var far = await inner.ConnectAsync(endpoint, cancellationToken);
        var toPump = new Pipe();
        var cut = new CancellationTokenSource();
        _connections.Add(cut);
        _ = Task.Run(() => PumpAsync(toPump.Reader, far.Output, cut.Token));
        return new Duplex(far.Input, toPump.Writer);
    }

    private async Task PumpAsync(PipeReader from, PipeWriter to, CancellationToken cut)
    {
        try
        {
            while (true)
            {
                var result = await from.ReadAsync(cut);
                var buffer = result.Buffer;
                while (KvFrameCodec.TryRead(ref buffer, out var frame)) to.Write(Damage(frame!));
                from.AdvanceTo(buffer.Start, buffer.End);
                var flushed = await to.FlushAsync();
                if (result.IsCompleted || flushed.IsCompleted) break;
            }
        }
        catch (OperationCanceledException) when (cut.IsCancellationRequested)
        {
        }
        await from.CompleteAsync();
        await to.CompleteAsync();
    }

    private byte[] Damage(KvFrame frame)
    {
        var bytes = KvFrameCodec.Encode(frame);
        if (frame.Kind != KvFrameKind.LayerData) return bytes;
        int index = _layerFrames.AddOrUpdate(frame.RequestId, 0, (_, n) => n + 1);
        int ordinal = _ordinals.GetOrAdd(frame.RequestId, _ => Interlocked.Increment(ref _requestsSeen) - 1);
        if (!_faults.TryRemove((frame.RequestId, index), out var fault) && !_ordinalFaults.TryRemove((ordinal, index), out fault)) return bytes;
        Interlocked.Increment(ref _applied);
        DamagedRequests.Add(frame.RequestId);
        int payload = frame.Payload.Length;
        switch (fault)
        {
            case KvFault.CorruptPayload:
                bytes[KvFrameCodec.HeaderBytes + payload / 3] ^= 0x5A;
                return bytes;
            case KvFault.Truncate:
                return bytes[..(KvFrameCodec.HeaderBytes + payload / 2)];
            default:
                bytes[10] ^= 0xFF;
                return bytes;
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
