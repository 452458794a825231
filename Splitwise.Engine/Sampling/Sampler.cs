using System.Numerics.Tensors;

namespace Splitwise.Engine.Sampling;

/// <summary>
/// Picks the next token of one sequence from its logits: penalties, then greedy or temperature / top-k / top-p /
/// min-p sampling with the sequence's own random stream. Log-probabilities are those of the penalised
/// distribution at temperature 1. One sampler per thread: it reuses its buffers.
/// </summary>
public sealed class Sampler
{
    private float[] _work = [];
    private float[] _probs = [];
    private int[] _order = [];
    private float[] _keys = [];
    private readonly HashSet<int> _seen = [];
    private readonly Dictionary<int, int> _counts = [];

    /// <param name="suppressed">Tokens that must not be chosen now (EOS before min_tokens).</param>
    public SampledToken Sample(ReadOnlySpan<float> logits, SamplingParams p, IReadOnlyList<int> prompt, IReadOnlyList<int> output,
                               Random random, IEnumerable<int>? suppressed = null)
    {
        int vocab = logits.Length;
        if (_work.Length < vocab)
        {
            _work = new float[vocab];
            _probs = new float[vocab];
            _order = new int[vocab];
            _keys = new float[vocab];
        }
        var work = _work.AsSpan(0, vocab);
        logits.CopyTo(work);
        LogitProcessors.ApplyRepetitionPenalty(work, p.RepetitionPenalty, prompt, output, _seen);
        LogitProcessors.ApplyFrequencyPresence(work, p.FrequencyPenalty, p.PresencePenalty, output, _counts);
        if (suppressed != null) LogitProcessors.Suppress(work, suppressed);

        int chosen = p.IsGreedy ? ArgMax(work) : Draw(work, p, random);
        return Describe(work, chosen, p.Logprobs);
    }

    /// <summary>First index of the largest value, as the reference implementation breaks ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    private int Draw(Span<float> work, SamplingParams p, Random random)
    {
        int vocab = work.Length;
        var probs = _probs.AsSpan(0, vocab);
        TensorPrimitives.Divide(work, p.Temperature, probs);
        TensorPrimitives.SoftMax(probs, probs);

        // Candidates in descending probability; a full sort only when a filter needs the order.
        int count = vocab;
        var order = _order.AsSpan(0, vocab);
        for (int i = 0; i < vocab; i++) order[i] = i;
        bool filtered = p.TopK > 0 && p.TopK < vocab || p.TopP < 1f || p.MinP > 0f;
        if (filtered)
        {
            var keys = _keys.AsSpan(0, vocab);
            for (int i = 0; i < vocab; i++) keys[i] = -probs[i];
            keys.Sort(order);
            if (p.TopK > 0) count = Math.Min(count, p.TopK);
            if (p.MinP > 0f)
            {
                float floor = p.MinP * probs[order[0]];
                int keep = 1;
                while (keep < count && probs[order[keep]] >= floor) keep++;
                count = keep;
            }
            if (p.TopP < 1f)
            {
                float total = 0;
                for (int i = 0; i < count; i++) total += probs[order[i]];
                float cumulative = 0;
                int keep = 0;
                while (keep < count)
                {
                    cumulative += probs[order[keep++]];
                    if (cumulative >= p.TopP * total) break;
                }
                count = keep;
            }
        }
        float mass = 0;
        for (int i = 0; i < count; i++) mass += probs[order[i]];
        float r = (float)random.NextDouble() * mass;
        for (int i = 0; i < count; i++)
        {
            r -= probs[order[i]];
            if (r <= 0) return order[i];
        }
        return order[count - 1];
    }

    private SampledToken Describe(Span<float> penalised, int chosen, int? topN)
    {
        if (topN is null) return new SampledToken(chosen, float.NaN, null);
        float max = TensorPrimitives.Max(penalised);
        double sum = 0;
        foreach (var v in penalised) sum += Math.Exp(v - max);
        float logZ = max + (float)Math.Log(sum);
        var top = new List<TokenLogprob>(topN.Value);
        if (topN > 0)
        {
            var best = new PriorityQueue<int, float>();
            for (int i = 0; i < penalised.Length; i++)
            {
                if (best.Count < topN) best.Enqueue(i, penalised[i]);
                else if (penalised[i] > penalised[best.Peek()]) best.EnqueueDequeue(i, penalised[i]);
            }
            while (best.Count > 0)
            {
                int id = best.Dequeue();
                top.Add(new TokenLogprob(id, penalised[id] - logZ));
            }
            top.Reverse();
        }
        return new SampledToken(chosen, penalised[chosen] - logZ, top);
    }
}
