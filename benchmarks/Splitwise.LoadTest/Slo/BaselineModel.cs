using Splitwise.LoadTest.Client;

namespace Splitwise.LoadTest.Slo;

/// <summary>
/// What the target does unloaded, fitted from sequential requests: TTFT grows linearly with the prompt (prefill),
/// TTFT(p) = <see cref="TtftInterceptMs"/> + <see cref="TtftPerPromptTokenMs"/>·p (least squares, slope ≥ 0),
/// and every later token takes <see cref="TbtMs"/> (the median of the baseline requests' TPOTs).
/// A request with prompt p and n output tokens is then expected to take TTFT(p) + (n − 1)·TBT end to end.
/// </summary>
public sealed record BaselineModel(double TtftInterceptMs, double TtftPerPromptTokenMs, double TbtMs, int Samples)
{
    public double ExpectedTtftMs(int promptTokens) => TtftInterceptMs + TtftPerPromptTokenMs * promptTokens;

    public double ExpectedE2eMs(int promptTokens, int outputTokens) => ExpectedTtftMs(promptTokens) + Math.Max(0, outputTokens - 1) * TbtMs;

    public static BaselineModel Fit(IReadOnlyList<RequestResult> baseline)
    {
        var ok = baseline.Where(r => r.Success).ToList();
        if (ok.Count == 0) throw new InvalidOperationException("No baseline request succeeded; cannot measure the unloaded target.");
        var xs = ok.Select(r => (double)r.PromptTokens).ToArray();
        var ys = ok.Select(r => r.TtftMs).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double sxx = xs.Sum(x => (x - mx) * (x - mx));
        double slope = sxx > 0 ? xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / sxx : 0;
        double intercept;
        if (slope <= 0)
        {
            // Noise can make the slope negative on a fast target; a flat model is the honest fit then.
            slope = 0;
            intercept = my;
        }
        else intercept = my - slope * mx;
        // A negative intercept would make short prompts look infinitely slowed down; floor it at the fastest TTFT seen.
        intercept = Math.Max(intercept, ys.Min() * 0.5);
        var tpots = ok.Where(r => r.TpotMs != null).Select(r => r.TpotMs!.Value).Order().ToArray();
        double tbt = tpots.Length == 0 ? 0 : Metrics.Percentile.Of(tpots, 50);
        return new BaselineModel(intercept, slope, tbt, ok.Count);
    }
}
