namespace Splitwise.Silo.Wire;

/// <summary>Body of a renew call: the reservation whose lease to extend.</summary>
public sealed record RenewOrder(long RequestId);
