namespace Splitwise.LoadTest.Plotting;

/// <summary>
/// A single-panel chart rendered to SVG: title and subtitle, labelled axes with units, grid, ticks, a legend,
/// optional log axes, an optional right-hand axis, and dashed reference lines. No plotting package involved.
/// </summary>
public sealed class Chart
{
    public const double Width = 900, Height = 520;
    private const double Left = 84, Bottom = 68;
    private const int SubtitleLineChars = 118;

    public required string Title { get; init; }
    public string? Subtitle { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public string? RightYLabel { get; init; }
    public bool XLog { get; init; }
    public bool YLog { get; init; }
    public bool RightYLog { get; init; }
    public double? YMax { get; init; }

    /// <summary>Lower end of the x axis (data below it are clipped), e.g. to keep a log axis off a few near-zero outliers.</summary>
    public double? XMin { get; init; }
    public string? Footnote { get; init; }
    public List<ChartSeries> Series { get; } = [];
    public List<ReferenceLine> References { get; } = [];

    public string Render()
    {
        bool hasRight = Series.Any(s => s.RightAxis);
        double right = hasRight ? 84 : 34;
        var subtitle = Wrap(Subtitle ?? "", SubtitleLineChars);
        double x0 = Left, x1 = Width - right, y0 = 80 + 18 * Math.Max(1, subtitle.Count), y1 = Height - Bottom;
        var svg = new SvgWriter(Width, Height);

        svg.Text(x0, 30, Title, 19, bold: true);
        for (int i = 0; i < subtitle.Count; i++) svg.Text(x0, 52 + 17 * i, subtitle[i], 13, fill: "#555555");

        var all = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var left = Series.Where(s => !s.RightAxis).SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).Select(p => p.Y)
            .Concat(References.Where(r => !r.Vertical).Select(r => r.Value)).ToList();
        var xsAll = all.Select(p => p.X).Concat(References.Where(r => r.Vertical).Select(r => r.Value)).ToList();
        var xs = XLog ? xsAll.Where(v => v > 0).ToList() : xsAll;
        var ys = YLog ? left.Where(v => v > 0).ToList() : left;
        double xLow = XMin ?? Min(xs, XLog ? 1 : 0);
        var xScale = XLog ? AxisScale.Log(xLow, Max(xs, 10)) : AxisScale.Linear(xLow, Max(xs, 1));
        double yTop = YMax ?? Max(ys, 1);
        var yScale = YLog ? AxisScale.Log(Min(ys, 1), yTop) : AxisScale.Linear(Min(ys, 0), yTop);
        AxisScale? rScale = null;
        if (hasRight)
        {
            var rv = Series.Where(s => s.RightAxis).SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).ToList();
            rScale = RightYLog ? AxisScale.Log(Min(rv.Where(v => v > 0).ToList(), 1), Max(rv, 10)) : AxisScale.Linear(Min(rv, 0), Max(rv, 1));
        }

        double Px(double v) => x0 + xScale.Fraction(v) * (x1 - x0);
        double Py(AxisScale s, double v) => y1 - s.Fraction(v) * (y1 - y0);

        // Grid and ticks.
        foreach (var t in xScale.Ticks)
        {
            double px = Px(t);
            svg.Line(px, y0, px, y1, "#e6e6e6");
            svg.Line(px, y1, px, y1 + 5, "#333333");
            svg.Text(px, y1 + 20, xScale.Label(t), 12, "middle");
        }
        foreach (var t in yScale.Ticks)
        {
            double py = Py(yScale, t);
            svg.Line(x0, py, x1, py, "#e6e6e6");
            svg.Line(x0 - 5, py, x0, py, "#333333");
            svg.Text(x0 - 8, py + 4, yScale.Label(t), 12, "end");
        }
        if (rScale != null)
        {
            foreach (var t in rScale.Ticks)
            {
                double py = Py(rScale, t);
                svg.Line(x1, py, x1 + 5, py, "#333333");
                svg.Text(x1 + 8, py + 4, rScale.Label(t), 12, "start");
            }
            svg.Text(Width - 18, (y0 + y1) / 2, RightYLabel ?? "", 13, "middle", rotate: 90);
        }
        svg.Rect(x0, y0, x1 - x0, y1 - y0, null, "#333333");
        svg.Text((x0 + x1) / 2, Height - 24, XLabel, 13, "middle");
        svg.Text(22, (y0 + y1) / 2, YLabel, 13, "middle", rotate: -90);
        if (Footnote != null) svg.Text(x1, Height - 6, Footnote, 11, "end", "#666666");

        const string clip = "plot";
        svg.ClipRect(clip, x0, y0 - 1, x1 - x0, y1 - y0 + 2);

        int verticals = 0;
        foreach (var r in References)
        {
            if (r.Vertical)
            {
                if (r.Value < xScale.Min || r.Value > xScale.Max) continue;
                double px = Px(r.Value);
                svg.Line(px, y0, px, y1, r.Color, 1.2, "5,4");
                // Labels in staggered rows from the bottom (empty below a CDF's right part), on the line's left near the right edge.
                bool leftOfLine = px > x0 + 0.8 * (x1 - x0);
                double ly = y1 - 10 - 15 * verticals;
                svg.Text(leftOfLine ? px - 4 : px + 4, ly, r.Label, 11.5, leftOfLine ? "end" : "start", r.Color, bold: true, halo: true);
                verticals++;
            }
            else
            {
                double py = Py(yScale, r.Value);
                svg.Line(x0, py, x1, py, r.Color, 1.2, "5,4");
                svg.Text(x1 - 6, py - 5, r.Label, 11.5, "end", r.Color, bold: true, halo: true);
            }
        }

        foreach (var s in Series)
        {
            var scale = s.RightAxis ? rScale! : yScale;
            var pts = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!XLog || p.X > 0) && (!(s.RightAxis ? RightYLog : YLog) || p.Y > 0))
                .Select(p => (Px(p.X), Py(scale, p.Y))).ToList();
            if (s.Style == SeriesStyle.Step)
            {
                var stepped = new List<(double, double)>();
                for (int i = 0; i < pts.Count; i++)
                {
                    if (i > 0) stepped.Add((pts[i].Item1, pts[i - 1].Item2));
                    stepped.Add(pts[i]);
                }
                pts = stepped;
            }
            if (s.Style != SeriesStyle.Markers && pts.Count > 1) svg.Polyline(pts, s.Color, 2, s.Dash, clip);
            if (s.Style is SeriesStyle.Markers or SeriesStyle.LineAndMarkers)
            {
                double r = s.Style == SeriesStyle.Markers ? (pts.Count > 2000 ? 1.6 : 2.6) : 4;
                double opacity = s.Style == SeriesStyle.Markers ? 0.55 : 1;
                foreach (var (px, py) in pts) svg.Circle(px, py, r, s.Color, opacity, clip);
            }
            if (s.PointLabels != null)
                for (int i = 0; i < Math.Min(pts.Count, s.PointLabels.Count); i++)
                    svg.Text(pts[i].Item1 + 6, pts[i].Item2 - 8, s.PointLabels[i], 11, fill: s.Color, bold: true, halo: true);
        }

        DrawLegend(svg, x0, y0);
        return svg.ToString();
    }

    /// <summary>One row of legend entries between the subtitle and the plot, where it can never cover data.</summary>
    private void DrawLegend(SvgWriter svg, double x0, double y0)
    {
        // Charts here have at most five short series, which fit one row of the plot's width.
        double x = x0, y = y0 - 12;
        foreach (var s in Series)
        {
            string name = s.Name + (s.RightAxis ? " (right axis)" : "");
            // About 7.3 px per character at 12.5 px Helvetica/DejaVu, plus the swatch and a gap.
            double width = 52 + name.Length * 7.3;
            if (s.Style == SeriesStyle.Markers) svg.Circle(x + 12, y - 4, 4.5, s.Color);
            else
            {
                svg.Line(x, y - 4, x + 24, y - 4, s.Color, 2.5, s.Dash);
                if (s.Style == SeriesStyle.LineAndMarkers) svg.Circle(x + 12, y - 4, 3.5, s.Color);
            }
            svg.Text(x + 30, y, name, 12.5);
            x += width;
        }
    }

    /// <summary>Splits text into lines of at most <paramref name="max"/> characters at spaces.</summary>
    public static List<string> Wrap(string text, int max)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > max)
            {
                lines.Add(line);
                line = word;
            }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) lines.Add(line);
        return lines;
    }

    private static double Min(IReadOnlyCollection<double> v, double fallback) => v.Count == 0 ? fallback : v.Min();
    private static double Max(IReadOnlyCollection<double> v, double fallback) => v.Count == 0 ? fallback : v.Max();
}
