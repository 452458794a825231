using System.Diagnostics;

namespace Splitwise.Gateway.Metrics;

/// <summary>Feeds one request's TTFT, inter-token gaps and end-to-end time into the histograms.</summary>
public sealed class LatencyRecorder(ServingMetrics metrics, Stopwatch arrival, int choices)
{
    private readonly double[] _lastToken = Enumerable.Repeat(double.NaN, choices).ToArray();
    private bool _first = true;

    public void Tokens(int choice, int count)
    {
        if (count == 0) return;
        double now = arrival.Elapsed.TotalSeconds;
        if (_first)
        {
            metrics.TimeToFirstToken.Observe(now);
            _first = false;
        }
        if (!double.IsNaN(_lastToken[choice])) metrics.InterTokenLatency.Observe((now - _lastToken[choice]) / count);
        _lastToken[choice] = now;
    }

    public void Finished() => metrics.EndToEndLatency.Observe(arrival.Elapsed.TotalSeconds);
}
