namespace Splitwise.Gateway.Cluster;

/// <summary>A request kept failing on every machine it was tried on.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner) : Exception(message, inner);
