namespace Splitwise.Silo.Membership;

public enum RegistrationState
{
    /// <summary>Not in the gateway's directory yet (or any more): registering, with backoff while the gateway is away.</summary>
    Registering,
    /// <summary>In the directory and heartbeating.</summary>
    Registered,
    /// <summary>The gateway refused the silo for good; see <see cref="GatewayRegistration.Refusal"/>.</summary>
    Refused,
    Stopped,
}
