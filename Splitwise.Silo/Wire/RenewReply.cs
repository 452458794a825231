namespace Splitwise.Silo.Wire;

/// <summary>Answer to a renew call: <paramref name="Renewed"/> false when the reservation is gone (released or expired) and stays gone.</summary>
public sealed record RenewReply(long RequestId, bool Renewed);
