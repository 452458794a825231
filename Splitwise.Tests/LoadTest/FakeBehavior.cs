namespace Splitwise.Tests.LoadTest;

/// <summary>What the fake does with the n-th request it receives (0-based).</summary>
public enum FakeBehavior
{
    Stream,
    Http500,
    MalformedSse,
}
