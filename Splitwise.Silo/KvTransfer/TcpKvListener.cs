using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// A token machine's KV endpoint: accepts TCP connections and has the receiver serve each. Binds at construction
/// (port 0 picks a free one; <see cref="Endpoint"/> says which); disposing stops accepting and drops every connection.
/// </summary>
public sealed class TcpKvListener : IAsyncDisposable, IDisposable
{
    private readonly KvStreamReceiver _receiver;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<SocketDuplexPipe, Task> _connections = new();
    private readonly Task _accepting;
    private int _disposed;

    public TcpKvListener(KvStreamReceiver receiver, IPEndPoint bind)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(bind);
        _receiver = receiver;
        _socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _socket.Bind(bind);
            _socket.Listen(128);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        BoundEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        Endpoint = BoundEndPoint.ToString();
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint BoundEndPoint { get; }

    /// <summary>The bound address as senders name it, e.g. "127.0.0.1:40123".</summary>
    public string Endpoint { get; }

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount => _connections.Count;

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested) return;
                continue; // one failed accept (a peer that reset at once) does not stop the endpoint
            }
            var connection = new SocketDuplexPipe(accepted);
            var registered = new TaskCompletionSource();
            _connections[connection] = ServeAsync(connection, registered.Task);
            registered.SetResult(); // serving may end (and unregister) only after it was registered
        }
    }

    private async Task ServeAsync(SocketDuplexPipe connection, Task registered)
    {
        try
        {
            await registered.ConfigureAwait(false);
            await _receiver.ServeAsync(connection, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(connection, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _socket.Dispose();
        // Close sockets now rather than after a graceful drain: a stopped token machine must look stopped to its peers.
        var open = _connections.ToArray();
        await Task.WhenAll(open.Select(c => c.Key.AbortAsync().AsTask())).ConfigureAwait(false);
        await Task.WhenAll(open.Select(c => c.Value).Append(_accepting)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
