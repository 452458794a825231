using System.IO.Pipelines;
using Splitwise.Engine.Cache;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// The token machine's end of the KV stream (CONTRACT SKELETON: implementation in progress on branch kv-transport).
/// Serves connections from prompt machines: checks the peer's secret, validates every frame against the request's
/// reservation (known, lease alive, layer/head/token range, dtype, shape, checksum), writes accepted payloads into
/// the reserved blocks, and acknowledges or refuses each request's End. A bad frame fails only its own request.
/// </summary>
public sealed class KvStreamReceiver
{
    public KvStreamReceiver(KvCache cache, KvTransferOptions options, TimeProvider? time = null) => throw new NotImplementedException();

    /// <summary>
    /// Starts expecting a request's KV into <paramref name="blockTable"/>, under a lease of <see cref="KvTransferOptions.Lease"/>
    /// renewed by each valid frame. When the lease runs out, <paramref name="expired"/> is called (once, on any thread)
    /// so the machine frees the blocks; later frames for the request are refused.
    /// </summary>
    public void Expect(long requestId, IReadOnlyList<int> blockTable, int promptTokens, Action<long> expired) => throw new NotImplementedException();

    /// <summary>Completes when the request's End arrived with every layer's tokens in place; throws <see cref="KvTransferException"/> if it failed or expired.</summary>
    public Task WaitCompleteAsync(long requestId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Stops expecting the request (decode started, or the reservation was released). Returns false if unknown.</summary>
    public bool Forget(long requestId) => throw new NotImplementedException();

    /// <summary>Reads frames from one peer connection until it closes or <paramref name="cancellationToken"/> fires.</summary>
    public Task ServeAsync(IDuplexPipe connection, CancellationToken cancellationToken) => throw new NotImplementedException();

    public KvTransferStats Stats => throw new NotImplementedException();
}
