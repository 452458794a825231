using System.Diagnostics;

namespace Splitwise.Engine.Model;

/// <summary>
/// Wall-clock time of a forward pass split by step, summed over layers and calls, for the benchmark's profile mode.
/// Each <see cref="Lap"/> charges the time since the previous one to a step, so the steps add up to the whole pass.
/// </summary>
public sealed class ForwardProfile
{
    /// <summary>Steps of a pass. FfnUpProjection includes SiLU·mul, and the o/down projections the residual add, which they fuse.</summary>
    public enum Step { Embed, Norm, QkvProjection, Rope, KvWrite, Attention, OutputProjection, FfnUpProjection, DownProjection, Classifier }

    private readonly long[] _ticks = new long[Enum.GetValues<Step>().Length];
    private long _last;

    public int Passes { get; private set; }

    public void Start()
    {
        Passes++;
        _last = Stopwatch.GetTimestamp();
    }

    public void Lap(Step step)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[(int)step] += now - _last;
        _last = now;
    }

    /// <summary>Mean seconds per pass spent in <paramref name="step"/>.</summary>
    public double SecondsPerPass(Step step) => Passes == 0 ? 0 : (double)_ticks[(int)step] / Stopwatch.Frequency / Passes;

    public void Reset()
    {
        Array.Clear(_ticks);
        Passes = 0;
    }
}
