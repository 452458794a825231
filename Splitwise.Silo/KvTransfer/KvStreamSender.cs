using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Engine.Transfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// The prompt machine's end of the KV stream (CONTRACT SKELETON: implementation in progress on branch kv-transport).
/// Installed as the engine's layer sink; for each routed sequence it copies the layer's newly written tokens out of
/// the cache as frames. Long prompts' frames go out while later layers compute; short prompts' are held until
/// <see cref="CompleteAsync"/>. One persistent connection per token-machine endpoint, opened on first use.
/// </summary>
public sealed class KvStreamSender : IKvLayerSink, IAsyncDisposable
{
    public KvStreamSender(IKvTransport transport, KvTransferOptions options) => throw new NotImplementedException();

    /// <summary>Ship <paramref name="sequenceId"/>'s KV (prompt engine's sequence id) to the handoff target. Call before its first step.</summary>
    public void Route(long sequenceId, KvHandoff handoff, int promptTokens) => throw new NotImplementedException();

    /// <summary>Called by the engine inside the forward pass, on the engine thread: must only copy and enqueue.</summary>
    public void LayerWritten(int layer, ForwardBatch batch, KvCache cache) => throw new NotImplementedException();

    /// <summary>
    /// The prefill has finished: send what is held back, then the End frame, and wait for the token machine's
    /// acknowledgement. Throws <see cref="KvTransferException"/> on refusal, connection loss or <see cref="KvTransferOptions.AckTimeout"/>.
    /// </summary>
    public Task<KvTransferReport> CompleteAsync(long sequenceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Gives up on a route (request cancelled or finished by its first token); tells the receiver if anything was sent.</summary>
    public void Cancel(long sequenceId) => throw new NotImplementedException();

    public KvTransferStats Stats => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

/// <summary>One finished transfer: bytes on the wire, time from first frame to acknowledgement, and the part after prefill ended.</summary>
public sealed record KvTransferReport(long Bytes, int Frames, TimeSpan Total, TimeSpan NonOverlapped);
