using System.Buffers;
using System.IO.Pipelines;
using Splitwise.Silo.KvTransfer;

namespace Splitwise.Tests.Support;

/// <summary>A hand-driven sender: writes chosen frames (or bytes) to a receiver and reads its replies, with a deadline on every read.</summary>
public sealed class RawKvPeer(IDuplexPipe pipe) : IAsyncDisposable
{
    public static async Task<RawKvPeer> ConnectAsync(IKvTransport transport, string endpoint, string? secret)
    {
        var peer = new RawKvPeer(await transport.ConnectAsync(endpoint, CancellationToken.None));
        await peer.SendAsync(KvHello.Frame(secret));
        var answer = await peer.ReadAsync();
        Assert.Equal((KvFrameKind.Ack, 0L), (answer.Kind, answer.RequestId));
        return peer;
    }

    public async Task SendAsync(params KvFrame[] frames)
    {
        foreach (var f in frames) KvFrameCodec.Write(pipe.Output, f);
        await pipe.Output.FlushAsync();
    }

    public async Task SendBytesAsync(byte[] bytes) => await pipe.Output.WriteAsync(bytes);

    /// <summary>The next frame from the receiver; fails the test after <paramref name="timeout"/> (default 10 s).</summary>
    public async Task<KvFrame> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await pipe.Input.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            bool got = KvFrameCodec.TryRead(ref buffer, out var frame);
            // Having read a frame, leave the rest unexamined so the next read returns it without waiting for more.
            if (got) pipe.Input.AdvanceTo(buffer.Start);
            else pipe.Input.AdvanceTo(buffer.Start, buffer.End);
            if (got) return frame!;
            if (result.IsCompleted) throw new IOException("the receiver closed the connection");
        }
    }

    /// <summary>True once the receiver has closed its side (read until end, bounded by <paramref name="timeout"/>).</summary>
    public async Task<bool> ClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var result = await pipe.Input.ReadAsync(cts.Token);
            pipe.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await pipe.Output.CompleteAsync();
        await pipe.Input.CompleteAsync();
        if (pipe is IAsyncDisposable d) await d.DisposeAsync();
    }
}
