namespace Splitwise.LoadTest.Reporting;

/// <summary>What a run was: target, workload and arrival settings, for the reports.</summary>
public sealed record RunContext(
    string Label,
    string BaseUrl,
    string Model,
    string Endpoint,
    string Workload,
    string Prompts,
    double? OfferedRate,
    double Burstiness,
    int? Concurrency,
    bool ClosedLoop,
    int Seed,
    DateTime StartedUtc,
    string CommandLine);
