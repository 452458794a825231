using System.Globalization;
using System.Text;

namespace Splitwise.LoadTest.Plotting;

/// <summary>Writes SVG elements with invariant-culture numbers and escaped text.</summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _sb = new();

    public SvgWriter(double width, double height)
    {
        _sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0}\" height=\"{height:0}\" viewBox=\"0 0 {width:0} {height:0}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        Rect(0, 0, width, height, "#ffffff", null);
    }

    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    public void Raw(string element) => _sb.Append(element).Append('\n');

    public void Rect(double x, double y, double w, double h, string? fill, string? stroke, double strokeWidth = 1, double opacity = 1) =>
        Raw($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(w)}\" height=\"{N(h)}\" fill=\"{fill ?? "none"}\"{(stroke != null ? $" stroke=\"{stroke}\" stroke-width=\"{N(strokeWidth)}\"" : "")}{(opacity < 1 ? $" fill-opacity=\"{N(opacity)}\"" : "")}/>");

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null) =>
        Raw($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"{(dash != null ? $" stroke-dasharray=\"{dash}\"" : "")}/>");

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width, string? dash = null, string? clip = null)
    {
        var pts = string.Join(" ", points.Select(p => $"{N(p.X)},{N(p.Y)}"));
        Raw($"<polyline points=\"{pts}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\" stroke-linejoin=\"round\"{(dash != null ? $" stroke-dasharray=\"{dash}\"" : "")}{(clip != null ? $" clip-path=\"url(#{clip})\"" : "")}/>");
    }

    public void Circle(double cx, double cy, double r, string fill, double opacity = 1, string? clip = null) =>
        Raw($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{fill}\"{(opacity < 1 ? $" fill-opacity=\"{N(opacity)}\"" : "")}{(clip != null ? $" clip-path=\"url(#{clip})\"" : "")}/>");

    public void Cross(double cx, double cy, double r, string stroke) =>
        Raw($"<path d=\"M{N(cx - r)},{N(cy - r)}L{N(cx + r)},{N(cy + r)}M{N(cx - r)},{N(cy + r)}L{N(cx + r)},{N(cy - r)}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>");

    /// <param name="anchor">start, middle or end.</param>
    /// <param name="halo">A white outline under the glyphs, so labels drawn over lines stay legible.</param>
    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = "#222222", bool bold = false, double rotate = 0, bool halo = false)
    {
        string transform = rotate != 0 ? $" transform=\"rotate({N(rotate)} {N(x)} {N(y)})\"" : "";
        string outline = halo ? " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\" stroke-linejoin=\"round\"" : "";
        Raw($"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(bold ? " font-weight=\"bold\"" : "")}{outline}{transform}>{Escape(text)}</text>");
    }

    public void ClipRect(string id, double x, double y, double w, double h) =>
        Raw($"<defs><clipPath id=\"{id}\"><rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(w)}\" height=\"{N(h)}\"/></clipPath></defs>");

    public override string ToString() => _sb + "</svg>\n";

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
