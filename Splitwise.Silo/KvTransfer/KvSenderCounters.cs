using System.Diagnostics;

namespace Splitwise.Silo.KvTransfer;

/// <summary>A prompt machine's KV traffic counters, bumped from the write and read loops of all its connections.</summary>
internal sealed class KvSenderCounters
{
    private long _transfers, _bytesSent, _bytesReceived, _failed, _transferTicks, _nonOverlappedTicks;

    public void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
    public void Received(long bytes) => Interlocked.Add(ref _bytesReceived, bytes);
    public void Failed() => Interlocked.Increment(ref _failed);

    public void Completed(TimeSpan total, TimeSpan nonOverlapped)
    {
        Interlocked.Increment(ref _transfers);
        Interlocked.Add(ref _transferTicks, total.Ticks);
        Interlocked.Add(ref _nonOverlappedTicks, nonOverlapped.Ticks);
    }

    public KvTransferStats Snapshot() => new(
        Interlocked.Read(ref _transfers), Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived), 0,
        Interlocked.Read(ref _failed), TimeSpan.FromTicks(Interlocked.Read(ref _transferTicks)),
        TimeSpan.FromTicks(Interlocked.Read(ref _nonOverlappedTicks)), 0);

    public static TimeSpan Between(long startTimestamp, long endTimestamp)
        => startTimestamp == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(startTimestamp, endTimestamp);
}
