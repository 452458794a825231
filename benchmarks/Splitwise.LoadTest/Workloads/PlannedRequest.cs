namespace Splitwise.LoadTest.Workloads;

/// <summary>
/// One request the run will send: its lengths in tokens and, for open-loop runs, when to send it
/// (seconds after the run starts; null in closed loop, where a free worker sends it at once).
/// </summary>
public sealed record PlannedRequest(int Index, int PromptTokens, int OutputTokens, double? ArrivalSeconds);
