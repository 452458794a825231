using System.Text.Json;
using System.Text.Json.Serialization;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Metrics;
using Splitwise.LoadTest.Slo;

namespace Splitwise.LoadTest.Reporting;

/// <summary>
/// The machine-readable result: context, summary, baseline and SLO checks, and per-request arrays in send order
/// (vllm-style names: ttfts, itls, input_lens, output_lens, errors). Undefined values are null.
/// </summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(RunContext context, RunSummary summary, IReadOnlyList<RequestResult> results, BaselineModel? baseline,
        IReadOnlyList<RequestResult>? baselineResults, IReadOnlyList<SloCheck>? slo, string? stopReason)
    {
        var ordered = results.OrderBy(r => r.Index).ToList();
        (double[] Ttft, double[] Tbt, double[] E2e)? slow = baseline == null ? null : SlowdownChecker.PerRequest(ordered, baseline);
        static double? D(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;
        var doc = new
        {
            context,
            stop_reason = stopReason,
            summary,
            baseline,
            baseline_requests = baselineResults?.Select(r => new { r.PromptTokens, r.OutputTokens, r.TtftMs, r.TpotMs, r.E2eMs, r.Error }),
            slowdown_slo = slo?.Select(c => new { c.Metric, c.Count, percentiles = SloLimits.Percentiles, observed = c.Observed.Select(D), limits = c.Limits, c.Passed }),
            requests = new
            {
                index = ordered.Select(r => r.Index),
                start_s = ordered.Select(r => Math.Round(r.StartSeconds, 6)),
                input_lens = ordered.Select(r => r.PromptTokens),
                output_lens = ordered.Select(r => r.Success ? r.OutputTokens : 0),
                planned_input_lens = ordered.Select(r => r.PromptTokensPlanned),
                planned_output_lens = ordered.Select(r => r.OutputTokensPlanned),
                ttfts = ordered.Select(r => r.Success ? D(r.TtftMs) : null),
                tpots = ordered.Select(r => r.TpotMs is double t ? D(t) : null),
                e2els = ordered.Select(r => r.Success ? D(r.E2eMs) : null),
                itls = ordered.Select(r => r.ItlMs.Select(v => Math.Round(v, 4))),
                errors = ordered.Select(r => r.Error),
                error_details = ordered.Select(r => r.ErrorDetail),
                slowdown_ttft = slow?.Ttft.Select(D),
                slowdown_tbt = slow?.Tbt.Select(D),
                slowdown_e2e = slow?.E2e.Select(D),
            },
        };
        return JsonSerializer.Serialize(doc, Options);
    }
}
