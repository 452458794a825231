namespace Splitwise.Engine.Sampling;

/// <summary>Adjustments applied to raw logits before a token is chosen: penalties and suppressed tokens.</summary>
public static class LogitProcessors
{
    /// <summary>Hugging Face repetition penalty over every token seen in prompt or output.</summary>
    public static void ApplyRepetitionPenalty(Span<float> logits, float penalty, IReadOnlyList<int> prompt, IReadOnlyList<int> output, HashSet<int> seen)
    {
        if (penalty == 1f) return;
        seen.Clear();
        foreach (var t in prompt) seen.Add(t);
        foreach (var t in output) seen.Add(t);
        foreach (var t in seen)
        {
            if ((uint)t >= (uint)logits.Length) continue;
            logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
        }
    }

    /// <summary>OpenAI frequency and presence penalties over the generated tokens.</summary>
    public static void ApplyFrequencyPresence(Span<float> logits, float frequency, float presence, IReadOnlyList<int> output, Dictionary<int, int> counts)
    {
        if (frequency == 0 && presence == 0) return;
        counts.Clear();
        foreach (var t in output) counts[t] = counts.GetValueOrDefault(t) + 1;
        foreach (var (t, n) in counts)
        {
            if ((uint)t >= (uint)logits.Length) continue;
            logits[t] -= frequency * n + presence;
        }
    }

    public static void Suppress(Span<float> logits, IEnumerable<int> tokens)
    {
        foreach (var t in tokens)
            if ((uint)t < (uint)logits.Length) logits[t] = float.NegativeInfinity;
    }
}
