namespace Splitwise.Gateway.Routing;

/// <summary>Why no machine took a request; the gateway maps each to a status code.</summary>
public enum RejectionCause
{
    /// <summary>Every machine that could hold the request is full now (429 with Retry-After).</summary>
    Saturated,
    /// <summary>No machine is registered, or every one is excluded (503 with Retry-After).</summary>
    NoMachines,
    /// <summary>The request needs more KV than any machine has, even empty (400: retrying cannot help).</summary>
    TooLarge,
}
