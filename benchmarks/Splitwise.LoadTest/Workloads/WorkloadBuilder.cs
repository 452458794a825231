using System.Globalization;
using Splitwise.LoadTest.Arrivals;
using Splitwise.LoadTest.Cli;

namespace Splitwise.LoadTest.Workloads;

/// <summary>Turns the options (and, for a sweep, one rate) into the planned requests of one run.</summary>
public static class WorkloadBuilder
{
    /// <param name="rate">Open-loop rate of this run, or null for closed loop / original trace timestamps.</param>
    /// <param name="trace">The parsed trace when the options name one.</param>
    public static Workload Build(LoadTestOptions o, double? rate, IReadOnlyList<TraceRow>? trace, int? maxContext)
    {
        // One seed drives everything; separate streams keep lengths identical across the runs of a sweep.
        var lengthRng = new Random(o.Seed);
        var arrivalRng = new Random(unchecked(o.Seed * 7919 + 17));
        List<PlannedRequest> requests;
        string description;

        if (trace == null)
        {
            var lengths = Enumerable.Range(0, o.Requests).Select(_ => (o.PromptLen!.Sample(lengthRng), o.OutputLen!.Sample(lengthRng))).ToList();
            var times = rate is double r ? GammaArrivals.Generate(o.Requests, r, o.Burstiness, arrivalRng, o.RescaleArrivals) : null;
            requests = lengths.Select((l, i) => new PlannedRequest(i, l.Item1, l.Item2, times?[i])).ToList();
            description = $"synthetic: prompt {o.PromptLen}, output {o.OutputLen}";
        }
        else if (o.TraceMode == TraceReplayMode.Poisson)
        {
            var times = GammaArrivals.Generate(o.Requests, rate!.Value, o.Burstiness, arrivalRng, o.RescaleArrivals);
            requests = Enumerable.Range(0, o.Requests).Select(i =>
            {
                var row = trace[lengthRng.Next(trace.Count)];
                return new PlannedRequest(i, Math.Max(1, row.ContextTokens), Math.Max(1, row.GeneratedTokens), times[i]);
            }).ToList();
            description = $"trace {Path.GetFileName(o.TracePath)}: lengths sampled with replacement from {trace.Count} rows";
        }
        else
        {
            double start = o.TraceMode == TraceReplayMode.Window ? o.Window!.Value.Start : 0;
            double end = o.TraceMode == TraceReplayMode.Window ? o.Window!.Value.End : double.PositiveInfinity;
            bool closed = o.ClosedLoop;
            requests = trace.Where(t => t.OffsetSeconds >= start && t.OffsetSeconds < end)
                .Take(o.Requests)
                .Select((t, i) => new PlannedRequest(i, Math.Max(1, t.ContextTokens), Math.Max(1, t.GeneratedTokens),
                    closed ? null : (t.OffsetSeconds - start) / o.TimeScale))
                .ToList();
            if (requests.Count == 0) throw new FormatException($"--window {start}:{end}: no trace rows fall in this window (the trace spans {trace[^1].OffsetSeconds:0} s).");
            string window = o.TraceMode == TraceReplayMode.Window ? string.Create(CultureInfo.InvariantCulture, $", window {start:0.###}–{end:0.###} s") : "";
            description = closed
                ? $"trace {Path.GetFileName(o.TracePath)}: rows in order, timestamps ignored"
                : string.Create(CultureInfo.InvariantCulture, $"trace {Path.GetFileName(o.TracePath)}: original timestamps{window}, time scale ×{o.TimeScale:0.###}");
        }

        int adjusted = 0;
        if (maxContext is int ctx)
        {
            (requests, adjusted) = ContextFitter.Fit(requests, ctx, o.LengthFit);
            description += $"; lengths fitted to context {ctx} by {o.LengthFit.ToString().ToLowerInvariant()} ({adjusted} of {requests.Count} changed)";
        }
        if (rate is double rr)
            description += string.Create(CultureInfo.InvariantCulture, $"; arrivals gamma(burstiness {o.Burstiness:0.###}) at {rr:0.###} req/s");
        if (o.Concurrency is int c)
            description += o.ClosedLoop ? $"; closed loop, concurrency {c}" : $"; at most {c} in flight";
        return new Workload(requests, description, adjusted);
    }
}
