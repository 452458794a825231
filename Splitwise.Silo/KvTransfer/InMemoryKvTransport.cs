using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// KV connections inside one process (the embedded split): endpoint names map to receivers, and each connection is
/// a pair of pipes whose far end the receiver serves. Disposing closes every connection it made.
/// </summary>
public sealed class InMemoryKvTransport : IKvTransport, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, KvStreamReceiver> _receivers = new();
    private readonly ConcurrentDictionary<Task, byte> _serving = new();
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Makes <paramref name="receiver"/> reachable as <paramref name="endpoint"/>.</summary>
    public void Register(string endpoint, KvStreamReceiver receiver)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        ArgumentNullException.ThrowIfNull(receiver);
        if (!_receivers.TryAdd(endpoint, receiver)) throw new InvalidOperationException($"A KV receiver is already registered as '{endpoint}'.");
    }

    /// <summary>New connections to <paramref name="endpoint"/> are refused from now on; open ones carry on. False if it was not registered.</summary>
    public bool Unregister(string endpoint) => _receivers.TryRemove(endpoint, out _);

    public ValueTask<IDuplexPipe> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);
        if (!_receivers.TryGetValue(endpoint, out var receiver))
            throw new IOException($"No KV receiver is registered as '{endpoint}'.");
        var toReceiver = new Pipe(KvPipe.Options);
        var toSender = new Pipe(KvPipe.Options);
        var far = new DuplexPipe(toReceiver.Reader, toSender.Writer);
        var serving = Task.Run(() => receiver.ServeAsync(far, _closing.Token));
        _serving[serving] = 0;
        serving.ContinueWith(t => _serving.TryRemove(t, out _), TaskScheduler.Default);
        return ValueTask.FromResult<IDuplexPipe>(new DuplexPipe(toSender.Reader, toReceiver.Writer));
    }

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested) return;
        _closing.Cancel();
        await Task.WhenAll(_serving.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
    }
}
