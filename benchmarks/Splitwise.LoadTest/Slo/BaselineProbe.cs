using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Running;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Slo;

/// <summary>
/// Measures the unloaded target before the run: one discarded warm-up request, then N requests one at a time with prompt
/// lengths spread over the workload's own (its quantiles 0, 1/(N−1), …, 1), so the fitted TTFT line covers the lengths judged.
/// </summary>
public static class BaselineProbe
{
    public static List<PlannedRequest> Plan(IReadOnlyList<PlannedRequest> workload, int count, int outputTokens, int? maxContext)
    {
        var lengths = workload.Select(r => r.PromptTokens).Order().ToArray();
        var plan = new List<PlannedRequest>();
        for (int i = 0; i <= count; i++)
        {
            // i = 0 is the warm-up (shortest prompt): it pays for connection setup and first-call costs.
            double q = i == 0 || count == 1 ? 0 : (i - 1) / (double)(count - 1);
            int p = lengths[(int)Math.Round(q * (lengths.Length - 1))];
            int o = outputTokens;
            if (maxContext is int ctx && p + o > ctx)
            {
                o = Math.Max(2, Math.Min(o, ctx / 2));
                p = Math.Max(1, Math.Min(p, ctx - o));
            }
            plan.Add(new PlannedRequest(i, p, o, null));
        }
        return plan;
    }

    public static async Task<(BaselineModel Model, IReadOnlyList<RequestResult> Results)> MeasureAsync(
        LoadRunner runner, IReadOnlyList<PlannedRequest> workload, int count, int outputTokens, int? maxContext, TimeSpan bound, CancellationToken cancellationToken)
    {
        var prepared = runner.Prepare(Plan(workload, count, outputTokens, maxContext));
        var outcome = await runner.RunAsync(prepared, new RunLimits(bound, TimeSpan.FromSeconds(5), 1, ClosedLoop: true), null, cancellationToken).ConfigureAwait(false);
        var measured = outcome.Results.Where(r => r.Index != 0).OrderBy(r => r.Index).ToList();
        return (BaselineModel.Fit(measured), measured);
    }
}
