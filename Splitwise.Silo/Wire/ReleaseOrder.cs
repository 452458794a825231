namespace Splitwise.Silo.Wire;

/// <summary>Body of a release call: the reservation to drop.</summary>
public sealed record ReleaseOrder(long RequestId);
