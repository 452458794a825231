using System.Buffers;
using System.Diagnostics;
using Splitwise.Engine.Cache;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// One routed prompt on the sending side: which tokens of each layer have been copied out, the frames held back
/// (short prompts), the connection it went out on, and the acknowledgement it waits for.
/// </summary>
internal sealed class KvOutboundTransfer(long sequenceId, KvHandoff handoff, int promptTokens, bool layerwise)
{
    private readonly object _gate = new();
    private readonly List<OutgoingFrame> _held = [];
    private int[]? _sentUpTo;
    private long _bytes;
    private int _frames;
    private bool _closed;

    public long SequenceId { get; } = sequenceId;
    public KvHandoff Handoff { get; } = handoff;
    public long RequestId => Handoff.RequestId;
    public int PromptTokens { get; } = promptTokens;
    public bool Layerwise { get; } = layerwise;
    public KvSenderConnection? Connection { get; set; }
    public TaskCompletionSource Acknowledged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool IsFailed => Acknowledged.Task.IsFaulted || Acknowledged.Task.IsCanceled;
    public bool AnythingQueued { get; private set; }
    public long FirstFrameTimestamp { get; private set; }
    public long PrefillEndTimestamp { get; set; }
    public long Bytes => Interlocked.Read(ref _bytes);
    public int Frames => Volatile.Read(ref _frames);

    /// <summary>Counts a frame the connection wrote.</summary>
    public void Wrote(long bytes)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _frames);
    }

    /// <summary>
    /// Copies this prompt's not-yet-copied tokens of <paramref name="layer"/>, up to <paramref name="writtenEnd"/>, out of
    /// the cache into pooled frames. Tokens before the batch's chunk (a prefix served from the prompt machine's cache,
    /// or chunks before the route was made) are in the blocks already and go out with the first copy.
    /// Returns the frames to send now (layerwise) or none (held until the end).
    /// </summary>
    public List<OutgoingFrame>? CopyLayer(int layer, int writtenEnd, IReadOnlyList<int> blockTable, KvCache cache, int maxFrameBytes)
    {
        lock (_gate)
        {
            if (_closed || IsFailed) return null;
            _sentUpTo ??= new int[cache.LayerCount];
            int from = _sentUpTo[layer], end = Math.Min(writtenEnd, PromptTokens);
            if (end <= from) return null;
            var type = cache.DataType == KvDataType.F16 ? KvElementType.F16 : KvElementType.F32;
            int heads = cache.KvHeadCount;
            int tokensPerFrame = (int)Math.Max(1, maxFrameBytes / cache.TokenRangeBytes(1, heads));
            var frames = new List<OutgoingFrame>();
            for (int start = from; start < end; start += tokensPerFrame)
            {
                int count = Math.Min(tokensPerFrame, end - start);
                int bytes = checked((int)cache.TokenRangeBytes(count, heads));
                var rented = ArrayPool<byte>.Shared.Rent(bytes);
                cache.CopyTokensOut(layer, blockTable, start, count, 0, heads, rented.AsSpan(0, bytes));
                var frame = new KvFrame(KvFrameKind.LayerData, RequestId, layer, 0, heads, start, count, cache.HeadDim, type, rented.AsMemory(0, bytes));
                frames.Add(new OutgoingFrame(this, frame, rented));
            }
            _sentUpTo[layer] = end;
            if (Layerwise)
            {
                MarkQueued();
                return frames;
            }
            _held.AddRange(frames);
            return null;
        }
    }

    /// <summary>
    /// Closes the transfer to further layers and returns what is left to send (held frames, then End), or throws
    /// <see cref="KvTransferException"/> if the prefill did not write every layer of every prompt token.
    /// </summary>
    public List<OutgoingFrame> Close()
    {
        lock (_gate)
        {
            _closed = true;
            if (Acknowledged.Task.Exception?.InnerException is KvTransferException failed) throw failed;
            for (int layer = 0; _sentUpTo != null && layer < _sentUpTo.Length; layer++)
                if (_sentUpTo[layer] < PromptTokens)
                    throw new KvTransferException($"KV of request {RequestId} is incomplete: layer {layer} has {_sentUpTo[layer]} of {PromptTokens} prompt tokens.", RequestId);
            if (_sentUpTo == null) throw new KvTransferException($"KV of request {RequestId} is incomplete: no layer was written (was the prefill run with this sender as its layer sink?).", RequestId);
            var rest = new List<OutgoingFrame>(_held) { new(this, KvFrame.End(RequestId), null) };
            _held.Clear();
            MarkQueued();
            return rest;
        }
    }

    /// <summary>Fails the transfer (first failure wins) and drops held frames. Returns false if it had already ended.</summary>
    public bool Fail(KvTransferException error)
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var f in _held) f.Release();
            _held.Clear();
            if (!Acknowledged.TrySetException(error)) return false;
            _ = Acknowledged.Task.Exception; // observed: a failure nobody awaits is not an unobserved-task error
            return true;
        }
    }

    private void MarkQueued()
    {
        if (AnythingQueued) return;
        AnythingQueued = true;
        FirstFrameTimestamp = Stopwatch.GetTimestamp();
    }
}
