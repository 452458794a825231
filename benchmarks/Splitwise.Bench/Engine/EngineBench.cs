using System.Diagnostics;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Model;
using Splitwise.Kernels.Threading;

namespace Splitwise.Bench.Engine;

/// <summary>
/// Prefill and decode throughput of one model through the real forward pass, as fractions of the rooflines:
/// decode at batch 1 against weight bytes ÷ bandwidth (sampled beside each token when a sampler is given), prefill against 2 × matrix parameters FLOPs per token
/// ÷ the FP32 FMA peak. Decode runs at a context of 512 tokens already in the cache (contents are irrelevant to
/// timing, so the cache is zero-filled rather than prefilled).
/// </summary>
public static class EngineBench
{
    public static EngineBenchResult Run(LlamaWeights weights, string name, WorkerPool pool, double bandwidthGBs, double fmaPeakGflops,
                                        int[] prefillLengths, int[] decodeBatches, int decodeContext, int repetitions, Action<string> log,
                                        bool profile = false, Func<double>? sampleBandwidth = null, KvDataType kvDataType = KvDataType.F32)
    {
        var config = weights.Config;
        int maxPrefill = prefillLengths.DefaultIfEmpty(1).Max(), maxBatch = decodeBatches.Max();
        int context = Math.Min(decodeContext, config.MaxPositionEmbeddings - 2);
        int blocksPerSeq = (Math.Max(maxPrefill, context + 1) + 15) / 16;
        using var cache = new KvCache(config, blocksPerSeq * maxBatch, 16, kvDataType);
        for (int l = 0; l < cache.LayerCount; l++)
            for (int b = 0; b < cache.BlockCount; b++)
            {
                cache.BlockSpan(l, b, value: false).Clear();
                cache.BlockSpan(l, b, value: true).Clear();
            }
        using var forward = new LlamaForward(weights, cache, pool);
        var random = new Random(42);
        int[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => random.Next(3, config.VocabSize)).ToArray();
        int[] Table(int seq) => Enumerable.Range(seq * blocksPerSeq, blocksPerSeq).ToArray();

        var prefill = new Dictionary<int, double>();
        var prefillFraction = new Dictionary<int, double>();
        foreach (int n in prefillLengths.Where(n => n < config.MaxPositionEmbeddings))
        {
            var batch = new ForwardBatch([new BatchSequence(Tokens(n), 0, Table(0))]);
            double seconds = Median(repetitions, () => forward.Forward(batch));
            prefill[n] = n / seconds;
            prefillFraction[n] = 2.0 * weights.MatrixParameterCount * n / seconds / (fmaPeakGflops * 1e9);
            log($"  {name}: prefill {n} tokens: {prefill[n]:F1} tok/s ({prefillFraction[n]:P1} of FMA peak)");
        }

        var decode = new Dictionary<int, double>();
        double fraction = double.NaN;
        foreach (int b in decodeBatches)
        {
            var batch = new ForwardBatch(Enumerable.Range(0, b).Select(s => new BatchSequence([random.Next(3, config.VocabSize)], context, Table(s))).ToList());
            if (b == 1 && sampleBandwidth != null)
            {
                (decode[b], fraction) = PairedDecode(forward, batch, weights.MatrixBytesPerToken, repetitions * 2, sampleBandwidth, name, log);
                continue;
            }
            double seconds = Median(repetitions * 2, () => forward.Forward(batch));
            decode[b] = b / seconds;
            log($"  {name}: decode batch {b} at context {context}: {decode[b]:F1} tok/s");
        }
        if (double.IsNaN(fraction) && decode.TryGetValue(1, out var d1)) fraction = d1 / (bandwidthGBs * 1e9 / weights.MatrixBytesPerToken);
        if (profile)
        {
            var batch = new ForwardBatch([new BatchSequence([random.Next(3, config.VocabSize)], context, Table(0))]);
            forward.Profile = new ForwardProfile();
            WarmUp(() => forward.Forward(batch));
            double profileBandwidth = sampleBandwidth?.Invoke() ?? bandwidthGBs;
            forward.Forward(batch); // not timed: the sample's read pass evicted the KV
            forward.Profile.Reset();
            for (int i = 0; i < Math.Max(10, repetitions * 4); i++) forward.Forward(batch);
            Report(forward.Profile, weights, profileBandwidth, name, log);
            forward.Profile = null;
        }
        var types = string.Join("/", weights.Layers.SelectMany(l => new[] { l.Query.Type, l.Down.Type }).Append(weights.Classifier.Type).Distinct());
        return new EngineBenchResult(name, types, kvDataType.ToString(), weights.MatrixBytesPerToken, weights.MatrixParameterCount, prefill, prefillFraction, decode, fraction);
    }

    /// <summary>
    /// Batch-1 decode tokens in runs of a few, each run just after a bandwidth sample, so each token's roofline is the
    /// bandwidth the machine had at that moment (a token right after the sample's read pass is not timed). Returns the median tok/s and the median of the per-token fractions (token's weight bytes/s ÷
    /// its sample); logs the samples' median and best, and the fraction against the best, the most demanding reading.
    /// </summary>
    private static (double TokensPerSecond, double Fraction) PairedDecode(LlamaForward forward, ForwardBatch batch, long bytesPerToken, int rounds,
                                                                         Func<double> sampleBandwidth, string name, Action<string> log)
    {
        WarmUp(() => forward.Forward(batch));
        // A sample every few tokens, not before each: a sample's read pass evicts what back-to-back decode keeps in
        // cache (the KV, the caches' share of the weights), which would slow the token after it.
        const int tokensPerSample = 5;
        var seconds = new double[rounds * tokensPerSample];
        var bandwidth = new double[rounds];
        var fractions = new double[rounds * tokensPerSample];
        for (int r = 0; r < rounds; r++)
        {
            bandwidth[r] = sampleBandwidth();
            forward.Forward(batch);
            for (int i = r * tokensPerSample; i < (r + 1) * tokensPerSample; i++)
            {
                var clock = Stopwatch.StartNew();
                forward.Forward(batch);
                seconds[i] = clock.Elapsed.TotalSeconds;
                fractions[i] = bytesPerToken / seconds[i] / (bandwidth[r] * 1e9);
            }
        }
        double medianSeconds = MedianOf(seconds), medianBandwidth = MedianOf(bandwidth), best = bandwidth.Max();
        double fraction = MedianOf(fractions);
        log($"  {name}: decode batch 1: {1 / medianSeconds:F1} tok/s (median of {seconds.Length}), {bytesPerToken / medianSeconds / 1e9:F1} GB/s of weights; " +
            $"bandwidth sampled every {tokensPerSample} tokens: median {medianBandwidth:F1}, best {best:F1} GB/s; " +
            $"fraction of the roofline: {fraction:P1} paired, {bytesPerToken / medianSeconds / (best * 1e9):P1} of the best sample");
        return (1 / medianSeconds, fraction);
    }

    /// <summary>
    /// Runs <paramref name="action"/> (page faults on memory-mapped weights, first JIT) until the JIT has settled: a
    /// stretch of at least <paramref name="quietSeconds"/> in which no method was compiled. .NET compiles a hot method
    /// again, optimized, in the background after about 30 calls; with one warm-up pass those compiles landed among the
    /// timed tokens (10-25 ms tokens in a 7 ms run, and 8.5 ms tokens before them on not yet optimized code).
    /// </summary>
    private static void WarmUp(Action action, double quietSeconds = 0.5, double maxSeconds = 30)
    {
        var total = Stopwatch.StartNew();
        do
        {
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            var stretch = Stopwatch.StartNew();
            do action(); while (stretch.Elapsed.TotalSeconds < quietSeconds);
            if (System.Runtime.JitInfo.GetCompiledMethodCount() == compiled) return;
        } while (total.Elapsed.TotalSeconds < maxSeconds);
    }

    private static double MedianOf(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Milliseconds per decode token by forward step, beside the time the weight bytes alone take at full bandwidth.</summary>
    private static void Report(ForwardProfile profile, LlamaWeights weights, double bandwidthGBs, string name, Action<string> log)
    {
        var steps = Enum.GetValues<ForwardProfile.Step>();
        double total = steps.Sum(profile.SecondsPerPass);
        log($"  {name}: decode batch 1 profile, mean of {profile.Passes} tokens: {total * 1e3:F2} ms/token; weight bytes at {bandwidthGBs:F1} GB/s: {weights.MatrixBytesPerToken / (bandwidthGBs * 1e9) * 1e3:F2} ms");
        foreach (var step in steps)
        {
            double s = profile.SecondsPerPass(step);
            if (s > 0) log($"    {step,-18} {s * 1e3,7:F3} ms  {s / total,6:P1}");
        }
    }

    private static double Median(int repetitions, Action action)
    {
        WarmUp(action);
        var times = new double[Math.Max(1, repetitions)];
        for (int i = 0; i < times.Length; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        return MedianOf(times);
    }
}
