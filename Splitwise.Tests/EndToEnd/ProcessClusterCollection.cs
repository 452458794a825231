namespace Splitwise.Tests.EndToEnd;

/// <summary>
/// Tests that start gateway and silo processes run one at a time and alone: on two cores, heartbeats and kill
/// timing should not compete with the rest of the suite.
/// </summary>
[CollectionDefinition(nameof(ProcessClusterCollection), DisableParallelization = true)]
public sealed class ProcessClusterCollection;
