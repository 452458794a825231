using System.IO.Pipelines;

namespace Splitwise.Silo.KvTransfer;

/// <summary>The pipe settings every KV connection uses, in memory or over a socket.</summary>
internal static class KvPipe
{
    /// <summary>
    /// A reader holds a whole frame before it can check it, so a writer may run ahead by two of the largest frames
    /// before it is paused; below that the pause is what pushes back on a sender (through TCP flow control).
    /// </summary>
    public static PipeOptions Options { get; } = new(
        pauseWriterThreshold: 2L * (KvFrameCodec.HeaderBytes + KvFrameCodec.MaxPayloadBytes),
        resumeWriterThreshold: KvFrameCodec.HeaderBytes + KvFrameCodec.MaxPayloadBytes,
        useSynchronizationContext: false);
}
