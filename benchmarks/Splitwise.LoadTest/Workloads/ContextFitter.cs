namespace Splitwise.LoadTest.Workloads;

/// <summary>Makes every request fit prompt + output ≤ the target's context length, and counts how many it changed.</summary>
public static class ContextFitter
{
    public static (List<PlannedRequest> Requests, int Adjusted) Fit(IReadOnlyList<PlannedRequest> requests, int maxContext, LengthFitMode mode)
    {
        if (maxContext < 2) throw new ArgumentOutOfRangeException(nameof(maxContext), "The context length must be at least 2 tokens (one prompt, one output).");
        var fitted = new List<PlannedRequest>(requests.Count);
        int adjusted = 0;
        foreach (var r in requests)
        {
            if (r.PromptTokens + r.OutputTokens <= maxContext)
            {
                fitted.Add(r);
                continue;
            }
            adjusted++;
            int p, o;
            if (mode == LengthFitMode.Clip)
            {
                o = Math.Min(r.OutputTokens, maxContext - 1);
                p = Math.Min(r.PromptTokens, maxContext - o);
            }
            else
            {
                double f = (double)maxContext / (r.PromptTokens + r.OutputTokens);
                p = Math.Max(1, (int)Math.Floor(r.PromptTokens * f));
                o = Math.Max(1, (int)Math.Floor(r.OutputTokens * f));
                while (p + o > maxContext) { if (p >= o) p--; else o--; }
            }
            fitted.Add(r with { PromptTokens = p, OutputTokens = o });
        }
        return (fitted, adjusted);
    }
}
