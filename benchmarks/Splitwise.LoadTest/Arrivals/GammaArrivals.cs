namespace Splitwise.LoadTest.Arrivals;

/// <summary>
/// Open-loop arrival times with gamma-distributed gaps. Shape = burstiness B, scale = 1/(R·B), so the mean gap stays 1/R
/// for every B and the coefficient of variation is 1/√B: B = 1 is a Poisson process, B &lt; 1 is burstier, B &gt; 1 smoother.
/// As in <c>vllm bench serve</c>, the cumulative times can be rescaled so the last arrival lands exactly at N/R,
/// which removes the run-to-run spread of the achieved offered rate for small N.
/// </summary>
public static class GammaArrivals
{
    /// <summary>Returns N arrival offsets in seconds (non-decreasing, first one after one gap).</summary>
    public static double[] Generate(int count, double rate, double burstiness, Random rng, bool rescaleToTarget = true)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (!(rate > 0) || double.IsInfinity(rate)) throw new ArgumentOutOfRangeException(nameof(rate), "Rate must be a finite number > 0 (requests/s).");
        if (!(burstiness > 0)) throw new ArgumentOutOfRangeException(nameof(burstiness), "Burstiness must be > 0.");
        var times = new double[count];
        double t = 0;
        double scale = 1.0 / (rate * burstiness);
        for (int i = 0; i < count; i++)
        {
            t += GammaSampler.Sample(rng, burstiness, scale);
            times[i] = t;
        }
        if (rescaleToTarget && count > 0 && t > 0)
        {
            double factor = count / rate / t;
            for (int i = 0; i < count; i++) times[i] *= factor;
        }
        return times;
    }
}
