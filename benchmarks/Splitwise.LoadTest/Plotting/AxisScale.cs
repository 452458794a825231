using System.Globalization;

namespace Splitwise.LoadTest.Plotting;

/// <summary>
/// One axis: a data range widened to round numbers, its tick values, and the mapping to pixels.
/// Linear ticks step by 1, 2 or 5 × 10^k; log ticks sit at 1, 2, 5 × 10^k (or only decades when the range is wide).
/// </summary>
public sealed class AxisScale
{
    private AxisScale(double min, double max, bool log, double[] ticks)
    {
        Min = min;
        Max = max;
        IsLog = log;
        Ticks = ticks;
    }

    public double Min { get; }
    public double Max { get; }
    public bool IsLog { get; }
    public double[] Ticks { get; }

    public static AxisScale Linear(double dataMin, double dataMax, int targetTicks = 6, bool includeZero = true)
    {
        if (!double.IsFinite(dataMin) || !double.IsFinite(dataMax)) { dataMin = 0; dataMax = 1; }
        if (includeZero) dataMin = Math.Min(0, dataMin);
        if (dataMax <= dataMin) dataMax = dataMin + (dataMin == 0 ? 1 : Math.Abs(dataMin) * 0.1);
        double step = NiceStep((dataMax - dataMin) / targetTicks);
        double lo = Math.Floor(dataMin / step + 1e-9) * step;
        double hi = Math.Ceiling(dataMax / step - 1e-9) * step;
        var ticks = new List<double>();
        for (double t = lo; t <= hi + step * 1e-6; t += step) ticks.Add(Math.Round(t / step) * step);
        return new AxisScale(lo, hi, false, [.. ticks]);
    }

    public static AxisScale Log(double dataMin, double dataMax)
    {
        if (!(dataMin > 0)) dataMin = dataMax > 0 ? dataMax / 10 : 1;
        if (!(dataMax > dataMin)) dataMax = dataMin * 10;
        // Ends at the nearest 1-2-5 values outside the data, so little of the plot is empty.
        double lo = OneTwoFive(dataMin, down: true);
        double hi = OneTwoFive(dataMax, down: false);
        double decades = Math.Log10(hi / lo);
        double[] mantissas = decades <= 2.5 ? [1, 2, 5] : decades <= 4.5 ? [1, 3] : [1];
        var ticks = new List<double>();
        for (double d = Math.Pow(10, Math.Floor(Math.Log10(lo))); d <= hi * 1.0001; d *= 10)
            foreach (var m in mantissas)
                if (d * m >= lo * 0.9999 && d * m <= hi * 1.0001) ticks.Add(d * m);
        return new AxisScale(lo, hi, true, [.. ticks]);
    }

    private static double OneTwoFive(double v, bool down)
    {
        double mag = Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-12));
        double[] steps = [1, 2, 5, 10];
        if (down) return steps.Where(m => m * mag <= v * (1 + 1e-9)).Max() * mag;
        return steps.First(m => m * mag >= v * (1 - 1e-9)) * mag;
    }

    /// <summary>Position in [0, 1] along the axis.</summary>
    public double Fraction(double v)
    {
        if (IsLog) return (Math.Log10(Math.Max(v, Min * 1e-3)) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));
        return (v - Min) / (Max - Min);
    }

    public string Label(double v)
    {
        double a = Math.Abs(v);
        if (a >= 1e6) return (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M";
        if (a >= 1e4) return (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k";
        if (a == 0 || a >= 1) return v.ToString("0.##", CultureInfo.InvariantCulture);
        int decimals = Math.Min(6, (int)Math.Ceiling(-Math.Log10(a)) + 1);
        return v.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    private static double NiceStep(double raw)
    {
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }
}
