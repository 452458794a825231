using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Runner;

/// <summary>Totals of <see cref="StepStatistics"/> at one moment; subtract two to get an interval.</summary>
public sealed record StepStatisticsSnapshot(
    long Steps, long StepsWithPrompt, long PromptTokens, long DecodeTokens,
    double ScheduleSeconds, double ForwardSecondsWithPrompt, double ForwardSecondsDecodeOnly, double SampleSeconds, double UpdateSeconds,
    IReadOnlyList<long> StepsByTokens, IReadOnlyList<double> ForwardSecondsByTokens)
{
    public static StepStatisticsSnapshot Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0,
        new long[StepStatistics.TokenBucketBounds.Count], new double[StepStatistics.TokenBucketBounds.Count]);

    public double BusySeconds => ScheduleSeconds + ForwardSecondsWithPrompt + ForwardSecondsDecodeOnly + SampleSeconds + UpdateSeconds;

    public static StepStatisticsSnapshot operator -(StepStatisticsSnapshot a, StepStatisticsSnapshot b) => new(
        a.Steps - b.Steps, a.StepsWithPrompt - b.StepsWithPrompt, a.PromptTokens - b.PromptTokens, a.DecodeTokens - b.DecodeTokens,
        a.ScheduleSeconds - b.ScheduleSeconds, a.ForwardSecondsWithPrompt - b.ForwardSecondsWithPrompt,
        a.ForwardSecondsDecodeOnly - b.ForwardSecondsDecodeOnly, a.SampleSeconds - b.SampleSeconds, a.UpdateSeconds - b.UpdateSeconds,
        a.StepsByTokens.Zip(b.StepsByTokens, (x, y) => x - y).ToArray(),
        a.ForwardSecondsByTokens.Zip(b.ForwardSecondsByTokens, (x, y) => x - y).ToArray());

    /// <summary>One line per category, with seconds and share of <paramref name="wallSeconds"/>.</summary>
    public string Describe(double wallSeconds)
    {
        var s = new StringBuilder();
        string Share(double seconds) => wallSeconds > 0 ? (seconds / wallSeconds).ToString("P0", CultureInfo.InvariantCulture) : "-";
        s.AppendLine(CultureInfo.InvariantCulture, $"steps {Steps} ({StepsWithPrompt} with prompt tokens), prompt tokens {PromptTokens}, decode tokens {DecodeTokens}, engine busy {BusySeconds:F1} s ({Share(BusySeconds)} of {wallSeconds:F1} s)");
        s.AppendLine(CultureInfo.InvariantCulture, $"forward with prompt {ForwardSecondsWithPrompt:F1} s ({Share(ForwardSecondsWithPrompt)}), forward decode-only {ForwardSecondsDecodeOnly:F1} s ({Share(ForwardSecondsDecodeOnly)}), sampling {SampleSeconds:F2} s, schedule+update {ScheduleSeconds + UpdateSeconds:F2} s");
        int low = 1;
        for (int i = 0; i < StepsByTokens.Count; i++)
        {
            int high = StepStatistics.TokenBucketBounds[i];
            if (StepsByTokens[i] > 0)
            {
                string range = high == int.MaxValue ? $"{low}+" : low == high ? $"{low}" : $"{low}-{high}";
                s.AppendLine(CultureInfo.InvariantCulture, $"  {range,7} tokens/step: {StepsByTokens[i],5} steps, forward {ForwardSecondsByTokens[i]:F1} s ({ForwardSecondsByTokens[i] / StepsByTokens[i] * 1000:F0} ms/step)");
            }
            low = high + 1;
        }
        return s.ToString();
    }
}
