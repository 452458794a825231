using System.Diagnostics;
using Splitwise.Engine.Model;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Engine.Transfer;

namespace Splitwise.Engine.Runner;

/// <summary>Turns a scheduled batch into a forward pass and samples the next token of every sequence that reached its end.</summary>
public sealed class ModelRunner(LlamaForward forward, IReadOnlyList<int> eosTokenIds)
{
    private readonly Sampler _sampler = new();

    public LlamaForward Forward => forward;
    /// <summary>Stopwatch ticks of the last <see cref="Run"/>'s forward pass and of its sampling.</summary>
    internal (long Forward, long Sample) LastTicks { get; private set; }

    public IReadOnlyList<SampledToken?> Run(ScheduledBatch batch, IKvLayerSink? sink = null)
    {
        var sequences = new List<BatchSequence>(batch.Sequences.Count);
        foreach (var s in batch.Sequences)
        {
            var seq = s.Sequence;
            sequences.Add(new BatchSequence(seq.TokensFrom(seq.ComputedTokenCount, s.TokenCount), seq.ComputedTokenCount, seq.BlockTable, s.SamplesToken, seq.Id));
        }
        long start = Stopwatch.GetTimestamp();
        var logits = forward.Forward(new ForwardBatch(sequences), sink);
        long forwardDone = Stopwatch.GetTimestamp();

        int vocab = forward.Config.VocabSize, row = 0;
        var sampled = new SampledToken?[batch.Sequences.Count];
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            if (!batch.Sequences[i].SamplesToken) continue;
            var seq = batch.Sequences[i].Sequence;
            var p = seq.Sampling;
            IEnumerable<int>? suppressed = seq.Output.Count < p.MinTokens ? eosTokenIds.Concat(p.StopTokenIds) : null;
            sampled[i] = _sampler.Sample(logits.Slice(row++ * vocab, vocab), p, seq.Prompt, seq.Output, seq.Random, suppressed);
        }
        LastTicks = (forwardDone - start, Stopwatch.GetTimestamp() - forwardDone);
        return sampled;
    }
}
