using System.Collections.Concurrent;
using System.IO.Pipelines;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// KV "connections" inside one process: a pair of pipes per connection, the far end served by the token machine's
/// receiver exactly as a TCP connection would be, so the same frames, checks and acknowledgements apply.
/// </summary>
public sealed class InMemoryKvTransport : IKvTransport
{
    private readonly ConcurrentDictionary<string, KvStreamReceiver> _receivers = new();

    public void Register(string endpoint, KvStreamReceiver receiver) => _receivers[endpoint] = receiver;

    public ValueTask<IDuplexPipe> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (!_receivers.TryGetValue(endpoint, out var receiver))
            throw new IOException($"No KV receiver at '{endpoint}'.");
        var toReceiver = new Pipe();
        var toSender = new Pipe();
        var receiverEnd = new DuplexPipe(toReceiver.Reader, toSender.Writer);
        _ = Task.Run(() => receiver.ServeAsync(receiverEnd, CancellationToken.None), CancellationToken.None);
        return ValueTask.FromResult<IDuplexPipe>(new DuplexPipe(toSender.Reader, toReceiver.Writer));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
