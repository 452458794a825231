using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Splitwise.Silo.KvTransfer;

/// <summary>KV connections between processes: TCP to "host:port" (an IP address or a name), read and written through pipes.</summary>
public sealed class TcpKvTransport : IKvTransport
{
    public async ValueTask<IDuplexPipe> ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        var target = ParseEndpoint(endpoint);
        var socket = target is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new SocketDuplexPipe(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>"127.0.0.1:7001", "[::1]:7001" or "token-0:7001"; throws <see cref="ArgumentException"/> naming the endpoint otherwise.</summary>
    public static EndPoint ParseEndpoint(string endpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        if (IPEndPoint.TryParse(endpoint, out var ip) && ip.Port != 0) return ip;
        int colon = endpoint.LastIndexOf(':');
        if (colon > 0 && !endpoint[..colon].Contains(':') && int.TryParse(endpoint[(colon + 1)..], out int port) && port is > 0 and <= 65535)
            return new DnsEndPoint(endpoint[..colon], port);
        throw new ArgumentException($"KV endpoint '{endpoint}' is not host:port.", nameof(endpoint));
    }
}
