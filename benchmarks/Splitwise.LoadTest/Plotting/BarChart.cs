using System.Globalization;

namespace Splitwise.LoadTest.Plotting;

/// <summary>
/// Grouped bars: one group per category, one bar per series, value printed above each bar. The value axis is linear
/// from zero, or logarithmic when the values span more than a factor of 30 (bars then rise from the axis' lower end).
/// Same frame, fonts and legend placement as <see cref="Chart"/>.
/// </summary>
public sealed class BarChart
{
    private const double Left = 84, Right = 34, Bottom = 68;

    public required string Title { get; init; }
    public string? Subtitle { get; init; }
    public required string YLabel { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    public List<BarSeries> Series { get; } = [];
    public string? Footnote { get; init; }

    /// <summary>Unit appended to the printed bar values, e.g. " ms"; default none.</summary>
    public string ValueSuffix { get; init; } = "";

    public string Render()
    {
        var subtitle = Chart.Wrap(Subtitle ?? "", 118);
        double x0 = Left, x1 = Chart.Width - Right, y0 = 80 + 18 * Math.Max(1, subtitle.Count), y1 = Chart.Height - Bottom;
        var svg = new SvgWriter(Chart.Width, Chart.Height);
        svg.Text(x0, 30, Title, 19, bold: true);
        for (int i = 0; i < subtitle.Count; i++) svg.Text(x0, 52 + 17 * i, subtitle[i], 13, fill: "#555555");

        var values = Series.SelectMany(s => s.Values).Where(v => double.IsFinite(v) && v > 0).ToList();
        bool log = values.Count > 1 && values.Max() / values.Min() > 30;
        // The log axis starts well below the smallest bar, so that bar still shows.
        var scale = log ? AxisScale.Log(values.Min() * 0.6, values.Max()) : AxisScale.Linear(0, values.Count == 0 ? 1 : values.Max() * 1.08);
        double Py(double v) => y1 - Math.Clamp(scale.Fraction(v), 0, 1) * (y1 - y0);

        foreach (var t in scale.Ticks)
        {
            double py = Py(t);
            svg.Line(x0, py, x1, py, "#e6e6e6");
            svg.Line(x0 - 5, py, x0, py, "#333333");
            svg.Text(x0 - 8, py + 4, scale.Label(t), 12, "end");
        }

        int groups = Math.Max(1, Categories.Count), bars = Math.Max(1, Series.Count);
        double groupWidth = (x1 - x0) / groups;
        double barWidth = groupWidth * 0.72 / bars;
        for (int g = 0; g < Categories.Count; g++)
        {
            double gx = x0 + g * groupWidth;
            svg.Text(gx + groupWidth / 2, y1 + 20, Categories[g], 12.5, "middle");
            if (g > 0) svg.Line(gx, y1, gx, y1 + 6, "#333333");
            for (int s = 0; s < Series.Count; s++)
            {
                double v = g < Series[s].Values.Count ? Series[s].Values[g] : double.NaN;
                if (!double.IsFinite(v) || (log && v <= 0)) continue;
                double bx = gx + groupWidth * 0.14 + s * barWidth, top = Py(v);
                svg.Rect(bx, top, barWidth * 0.94, y1 - top, Series[s].Color, null);
                svg.Text(bx + barWidth * 0.47, top - 5, ValueLabel(v) + ValueSuffix, 11, "middle", "#222222", halo: true);
            }
        }
        svg.Rect(x0, y0, x1 - x0, y1 - y0, null, "#333333");
        svg.Text(22, (y0 + y1) / 2, YLabel + (log ? " (log scale)" : ""), 13, "middle", rotate: -90);
        if (Footnote != null) svg.Text(x1, Chart.Height - 6, Footnote, 11, "end", "#666666");

        double lx = x0, ly = y0 - 12;
        foreach (var s in Series)
        {
            svg.Rect(lx, ly - 11, 14, 14, s.Color, null);
            svg.Text(lx + 20, ly, s.Name, 12.5);
            lx += 48 + s.Name.Length * 7.3;
        }
        return svg.ToString();
    }

    private static string ValueLabel(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);
}
