namespace Splitwise.Tests.LoadTest;

/// <summary>Timing tests run alone: other test classes in parallel on a 2-core machine would add their CPU contention to the delays measured.</summary>
[CollectionDefinition(nameof(LoadTestTimingCollection), DisableParallelization = true)]
public sealed class LoadTestTimingCollection;
