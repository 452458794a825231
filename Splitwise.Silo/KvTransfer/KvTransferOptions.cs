namespace Splitwise.Silo.KvTransfer;

/// <summary>How KV moves from prompt to token machines.</summary>
public sealed record KvTransferOptions
{
    /// <summary>Prompts at least this long are sent layer by layer while prefill runs; shorter ones in one send after it. Default 512 tokens.</summary>
    public int LayerwiseMinTokens { get; init; } = 512;
    /// <summary>
    /// How long a token machine holds reserved blocks with no frame, renewal or decode order arriving. Default 30 s.
    /// Frames renew it, and while the request waits in the prompt machine's queue the gateway renews it every third
    /// of the lease (<see cref="Machines.ITokenMachine.RenewAsync"/>), so the lease bounds how long blocks outlive a
    /// requester that died, not how long a prompt may queue.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a prompt machine waits for the token machine to acknowledge a whole transfer. Default 5 s.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long connecting to a token machine's KV endpoint may take. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Shared secret a peer must prove before its frames are read; null = no check. Default null.</summary>
    public string? ClusterSecret { get; init; }
    /// <summary>
    /// Largest LayerData payload a sender puts in one frame; a longer token range goes out as several frames, so a
    /// receiver never buffers much before checking a checksum. At most <see cref="KvFrameCodec.MaxPayloadBytes"/>. Default 1 MiB.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 1 << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that makes no sense.</summary>
    public void Validate()
    {
        if (LayerwiseMinTokens < 1) throw new ArgumentException($"KvTransferOptions.LayerwiseMinTokens must be at least 1 (got {LayerwiseMinTokens}).");
        if (Lease <= TimeSpan.Zero) throw new ArgumentException($"KvTransferOptions.Lease must be positive (got {Lease}).");
        if (AckTimeout <= TimeSpan.Zero) throw new ArgumentException($"KvTransferOptions.AckTimeout must be positive (got {AckTimeout}).");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentException($"KvTransferOptions.ConnectTimeout must be positive (got {ConnectTimeout}).");
        if (MaxFrameBytes < 1 || MaxFrameBytes > KvFrameCodec.MaxPayloadBytes)
            throw new ArgumentException($"KvTransferOptions.MaxFrameBytes must be in 1..{KvFrameCodec.MaxPayloadBytes} (got {MaxFrameBytes}).");
    }
}
