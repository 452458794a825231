using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>Global functions beyond namespace() and raise_exception(): range() and strftime_now().</summary>
internal static class JinjaGlobals
{
    public static List<object?> Range(List<object?> a)
    {
        long start = 0, stop, step = 1;
        if (a.Count == 1) stop = JinjaValues.ToLong(a[0]);
        else if (a.Count >= 2) { start = JinjaValues.ToLong(a[0]); stop = JinjaValues.ToLong(a[1]); if (a.Count > 2) step = JinjaValues.ToLong(a[2]); }
        else throw new InvalidOperationException("range() needs arguments");
        if (step == 0) throw new InvalidOperationException("range() step cannot be zero");
        var result = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= 1_000_000) throw new InvalidOperationException("range() too large");
            result.Add(i);
        }
        return result;
    }

    /// <summary>The strftime codes chat templates use (Llama 3.x: "%d %b %Y").</summary>
    public static string StrFTime(DateTimeOffset t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            char c = format[++i];
            sb.Append(c switch
            {
                'd' => t.Day.ToString("00", CultureInfo.InvariantCulture),
                'm' => t.Month.ToString("00", CultureInfo.InvariantCulture),
                'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
                'y' => (t.Year % 100).ToString("00", CultureInfo.InvariantCulture),
                'b' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
                'B' => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month),
                'a' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek),
                'A' => CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(t.DayOfWeek),
                'H' => t.Hour.ToString("00", CultureInfo.InvariantCulture),
                'M' => t.Minute.ToString("00", CultureInfo.InvariantCulture),
                'S' => t.Second.ToString("00", CultureInfo.InvariantCulture),
                'j' => t.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => throw new InvalidOperationException($"strftime_now: unsupported code '%{c}'"),
            });
        }
        return sb.ToString();
    }
}
