namespace Splitwise.LoadTest.Workloads;

/// <summary>One row of an Azure LLM inference trace: arrival in seconds after the first row, and token counts.</summary>
public readonly record struct TraceRow(double OffsetSeconds, int ContextTokens, int GeneratedTokens);
