namespace Splitwise.Silo.Membership;

/// <summary>The gateway answered that it will never take this silo (wrong secret, different model): retrying cannot help.</summary>
public sealed class RegistrationRefusedException(string message) : Exception(message);
