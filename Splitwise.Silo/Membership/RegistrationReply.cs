namespace Splitwise.Silo.Membership;

/// <summary>The gateway's answer: the heartbeat interval it counts silence by (a silo never beats slower).</summary>
public sealed record RegistrationReply(int HeartbeatMs);
