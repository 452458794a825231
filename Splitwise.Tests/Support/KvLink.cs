namespace Splitwise.Tests.Support;

/// <summary>How a <see cref="KvSplitRig"/> joins its sender and receiver.</summary>
public enum KvLink
{
    InMemory,
    Tcp,
}
