using Splitwise.Silo.KvTransfer;

namespace Splitwise.Silo.Wire;

/// <summary>
/// An error as it crosses the wire: a status-like <paramref name="Type"/>, a message for people, and the request it
/// concerns when there is one. Both ends map it to and from the exceptions the machine interfaces promise, so a
/// remote machine fails the way an in-process one does.
/// </summary>
public sealed record ControlError(string Type, string Message, long? RequestId = null)
{
    public const string InvalidRequest = "invalid_request";
    public const string KvTransfer = "kv_transfer";
    public const string Unauthorized = "unauthorized";
    public const string Unsupported = "unsupported";
    public const string UnknownMachine = "unknown_machine";
    public const string ModelMismatch = "model_mismatch";
    public const string NotReady = "not_ready";
    public const string ShuttingDown = "shutting_down";
    public const string Internal = "internal";

    /// <summary>The HTTP status this error is sent with.</summary>
    public int Status => Type switch
    {
        InvalidRequest => 400,
        Unauthorized => 401,
        Unsupported or UnknownMachine => 404,
        KvTransfer or ModelMismatch => 409,
        NotReady or ShuttingDown => 503,
        _ => 500,
    };

    /// <summary>How a machine's exception is reported (the gateway's runner tells client errors from machine faults by it).</summary>
    public static ControlError From(Exception e) => e switch
    {
        KvTransferException kv => new(KvTransfer, kv.Message, kv.RequestId),
        ArgumentException => new(InvalidRequest, e.Message),
        ObjectDisposedException => new(ShuttingDown, "The machine is shutting down."),
        _ => new(Internal, $"{e.GetType().Name}: {e.Message}"),
    };

    /// <summary>
    /// The exception a caller of the machine interface expects: <see cref="ArgumentException"/> for a request no
    /// machine can run, <see cref="KvTransferException"/> for a failed handoff, <see cref="IOException"/> otherwise.
    /// </summary>
    public Exception ToException(string source) => Type switch
    {
        InvalidRequest => new ArgumentException(Message),
        KvTransfer => new KvTransferException($"{source}: {Message}", RequestId ?? 0),
        _ => new IOException($"{source} answered {Type}: {Message}"),
    };
}
