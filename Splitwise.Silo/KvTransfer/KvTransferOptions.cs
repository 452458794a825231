namespace Splitwise.Silo.KvTransfer;

/// <summary>How KV moves from prompt to token machines.</summary>
public sealed record KvTransferOptions
{
    /// <summary>Prompts at least this long are sent layer by layer while prefill runs; shorter ones in one send after it. Default 512 tokens.</summary>
    public int LayerwiseMinTokens { get; init; } = 512;
    /// <summary>How long a token machine holds reserved blocks with no frame or decode order arriving. Default 5 s.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a prompt machine waits for the token machine to acknowledge a whole transfer. Default 5 s.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long connecting to a token machine's KV endpoint may take. Default 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Shared secret a peer must prove before its frames are read; null = no check. Default null.</summary>
    public string? ClusterSecret { get; init; }
}
