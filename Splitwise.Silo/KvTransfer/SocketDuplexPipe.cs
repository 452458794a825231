using System.IO.Pipelines;
using System.Net.Sockets;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// A connected socket as a pair of pipes: one loop moves received bytes into <see cref="Input"/>, another sends what
/// is written to <see cref="Output"/>. Completing Output shuts the sending half; a receive error or the peer's close
/// completes Input, so a reader learns of a lost connection at once. The socket is closed when both loops end, on
/// dispose (after the last written bytes left), or on abort.
/// </summary>
internal sealed class SocketDuplexPipe : IDuplexPipe, IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Pipe _received = new(KvPipe.Options);
    private readonly Pipe _toSend = new(KvPipe.Options);
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _sending;
    private readonly Task _loops;

    public SocketDuplexPipe(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _sending = Task.Run(SendLoopAsync);
        _loops = Task.WhenAll(Task.Run(ReceiveLoopAsync), _sending).ContinueWith(_ => _socket.Dispose(), TaskScheduler.Default);
    }

    public PipeReader Input => _received.Reader;
    public PipeWriter Output => _toSend.Writer;

    private async Task ReceiveLoopAsync()
    {
        var writer = _received.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(64 * 1024);
                int read = await _socket.ReceiveAsync(memory, SocketFlags.None, _abort.Token).ConfigureAwait(false);
                if (read == 0) break;
                writer.Advance(read);
                var flushed = await writer.FlushAsync(_abort.Token).ConfigureAwait(false);
                if (flushed.IsCompleted) break;
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            error = new IOException($"KV connection lost: {e.Message}", e);
            _abort.Cancel(); // nothing more can be sent either
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        var reader = _toSend.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_abort.Token).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                    await _socket.SendAsync(segment, SocketFlags.None, _abort.Token).ConfigureAwait(false);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            _abort.Cancel(); // a failed send means the connection is gone: stop receiving too
        }
        await reader.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the connection, first giving bytes already written (a last Nack, an Abort) up to a second to leave
    /// once the owner has completed <see cref="Output"/>; the peer's reading speed bounds nothing longer.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _sending.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await AbortAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the connection at once, dropping whatever was not sent yet.</summary>
    public async ValueTask AbortAsync()
    {
        _abort.Cancel();
        _socket.Dispose();
        await _loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
