using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Running;

/// <summary>A planned request with its body already serialized.</summary>
public sealed record PreparedRequest(PlannedRequest Plan, string Body);
