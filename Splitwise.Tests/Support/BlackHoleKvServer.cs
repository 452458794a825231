using System.Net;
using System.Net.Sockets;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Support;

/// <summary>
/// A KV endpoint on 127.0.0.1 that accepts connections, answers Hello with an Ack (if told to), then reads and
/// discards everything and never acknowledges a transfer: a token machine that hangs. <see cref="DropConnections"/>
/// closes what it accepted, as a crashed one would.
/// </summary>
public sealed class BlackHoleKvServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _answerHello;
    private long _bytesSwallowed;

    public BlackHoleKvServer(bool answerHello)
    {
        _answerHello = answerHello;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(8);
        Endpoint = _listener.LocalEndPoint!.ToString()!;
        _loop = Task.Run(AcceptAsync);
    }

    public string Endpoint { get; }
    public long BytesSwallowed => Interlocked.Read(ref _bytesSwallowed);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                lock (_accepted) _accepted.Add(socket);
                _ = Task.Run(() => SwallowAsync(socket));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task SwallowAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        bool answered = !_answerHello;
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) return;
                Interlocked.Add(ref _bytesSwallowed, n);
                if (!answered)
                {
                    answered = true; // the Hello is the first thing a sender writes
                    await socket.SendAsync(KvFrameCodec.Encode(KvFrame.Ack(0)), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void DropConnections()
    {
        lock (_accepted)
        {
            foreach (var s in _accepted) s.Dispose();
            _accepted.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        DropConnections();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
