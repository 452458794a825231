using System.Globalization;
using System.Net;
using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>The filters chat templates use ("x | trim", "tools | tojson(indent=4)", "messages | selectattr('role', 'equalto', 'system')").</summary>
internal static class JinjaFilters
{
    private delegate object? Filter(object? value, List<object?> args, Dictionary<string, object?> kwargs);

    private static readonly Dictionary<string, Filter> All = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a, _) => a.Count > 0 && a[0] is string chars ? Str(v).Trim(chars.ToCharArray()) : Str(v).Trim(),
        ["length"] = (v, _, _) => JinjaValues.Length(v),
        ["count"] = (v, _, _) => JinjaValues.Length(v),
        ["string"] = (v, _, _) => JinjaValues.ToText(v),
        ["lower"] = (v, _, _) => Str(v).ToLowerInvariant(),
        ["upper"] = (v, _, _) => Str(v).ToUpperInvariant(),
        ["title"] = (v, _, _) => Title(Str(v)),
        ["capitalize"] = (v, _, _) => Str(v) is { Length: > 0 } s ? char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant() : "",
        ["default"] = Default,
        ["d"] = Default,
        ["join"] = (v, a, kw) =>
        {
            var items = JinjaValues.Iterate(v);
            var attr = Kw(a, kw, 1, "attribute") as string;
            return string.Join(Kw(a, kw, 0, "d") as string ?? "", items.Select(x => JinjaValues.ToText(attr is null ? x : JinjaInterpreter.GetAttribute(x, attr))));
        },
        ["first"] = (v, _, _) => JinjaValues.Iterate(v) is { Count: > 0 } l ? l[0] : new Undefined("first of an empty sequence"),
        ["last"] = (v, _, _) => JinjaValues.Iterate(v) is { Count: > 0 } l ? l[^1] : new Undefined("last of an empty sequence"),
        ["list"] = (v, _, _) => JinjaValues.Iterate(v).ToList(),
        ["reverse"] = (v, _, _) => v is string s ? new string(s.Reverse().ToArray()) : Enumerable.Reverse(JinjaValues.Iterate(v)).ToList(),
        ["replace"] = (v, a, _) => a.Count >= 2 ? Str(v).Replace(Str(a[0]), Str(a[1]), StringComparison.Ordinal) : throw new InvalidOperationException("replace needs two arguments"),
        ["int"] = (v, a, _) => ToInt(v, a.Count > 0 ? a[0] : 0L),
        ["float"] = (v, a, _) => v is string s ? double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : a.Count > 0 ? a[0] : 0.0
            : JinjaValues.IsNumber(v) ? JinjaValues.ToDouble(v) : a.Count > 0 ? a[0] : 0.0,
        ["abs"] = (v, _, _) => v is long l ? (object)Math.Abs(l) : Math.Abs(JinjaValues.ToDouble(v)),
        ["round"] = (v, a, kw) =>
        {
            int digits = (int)JinjaValues.ToDouble(Kw(a, kw, 0, "precision") ?? 0L);
            return Math.Round(JinjaValues.ToDouble(v), digits, MidpointRounding.AwayFromZero);
        },
        ["safe"] = (v, _, _) => v,
        ["escape"] = (v, _, _) => WebUtility.HtmlEncode(JinjaValues.ToText(v)),
        ["e"] = (v, _, _) => WebUtility.HtmlEncode(JinjaValues.ToText(v)),
        ["tojson"] = (v, a, kw) => JinjaValues.ToJson(v, Kw(a, kw, 0, "indent") is { } i and not null ? (int)JinjaValues.ToDouble(i) : null),
        ["items"] = (v, _, _) => v is OrderedDictionary<string, object?> d ? d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
            : v is Undefined ? new List<object?>() : throw new InvalidOperationException($"items expects a dict, got {JinjaValues.TypeName(v)}"),
        ["dictsort"] = (v, _, _) => v is OrderedDictionary<string, object?> d
            ? d.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
            : throw new InvalidOperationException("dictsort expects a dict"),
        ["selectattr"] = (v, a, _) => SelectAttr(v, a, keep: true),
        ["rejectattr"] = (v, a, _) => SelectAttr(v, a, keep: false),
        ["select"] = (v, a, _) => Select(v, a, keep: true),
        ["reject"] = (v, a, _) => Select(v, a, keep: false),
        ["map"] = Map,
        ["unique"] = (v, _, _) =>
        {
            var result = new List<object?>();
            foreach (var x in JinjaValues.Iterate(v)) if (!result.Any(r => JinjaValues.PyEquals(r, x))) result.Add(x);
            return result;
        },
        ["sort"] = (v, a, kw) =>
        {
            bool reverse = JinjaValues.IsTrue(Kw(a, kw, 0, "reverse"));
            var attr = Kw(a, kw, 2, "attribute") as string;
            var list = JinjaValues.Iterate(v).ToList();
            Comparison<object?> cmp = (x, y) => JinjaValues.Compare(attr is null ? x : JinjaInterpreter.GetAttribute(x, attr), attr is null ? y : JinjaInterpreter.GetAttribute(y, attr));
            var sorted = list.Select((x, i) => (x, i)).OrderBy(p => p, Comparer<(object? x, int i)>.Create((p, q) => cmp(p.x, q.x) is var c && c != 0 ? c : p.i.CompareTo(q.i))).Select(p => p.x).ToList();
            if (reverse) sorted.Reverse();
            return sorted;
        },
        ["sum"] = (v, a, kw) =>
        {
            var attr = Kw(a, kw, 0, "attribute") as string;
            object? total = Kw(a, kw, 1, "start") ?? 0L;
            foreach (var x in JinjaValues.Iterate(v)) total = JinjaInterpreter.Arithmetic("+", total, attr is null ? x : JinjaInterpreter.GetAttribute(x, attr));
            return total;
        },
        ["min"] = (v, _, _) => JinjaValues.Iterate(v).Aggregate((x, y) => JinjaValues.Compare(x, y) <= 0 ? x : y),
        ["max"] = (v, _, _) => JinjaValues.Iterate(v).Aggregate((x, y) => JinjaValues.Compare(x, y) >= 0 ? x : y),
        ["indent"] = (v, a, kw) =>
        {
            var width = Kw(a, kw, 0, "width") ?? 4L;
            string pad = width is string ws ? ws : new string(' ', (int)JinjaValues.ToDouble(width));
            bool first = JinjaValues.IsTrue(Kw(a, kw, 1, "first"));
            bool blank = JinjaValues.IsTrue(Kw(a, kw, 2, "blank"));
            var lines = Str(v).Split('\n');
            for (int i = 0; i < lines.Length; i++)
                if ((i > 0 || first) && (blank || lines[i].Trim().Length > 0)) lines[i] = pad + lines[i];
            return string.Join('\n', lines);
        },
        ["wordcount"] = (v, _, _) => (long)Str(v).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length,
        ["attr"] = (v, a, _) => JinjaInterpreter.GetAttribute(v, Str(a.FirstOrDefault())),
        ["format"] = (v, a, _) => PercentFormat(Str(v), a),
        ["batch"] = (v, a, _) =>
        {
            int size = (int)JinjaValues.ToDouble(a.FirstOrDefault() ?? 1L);
            return JinjaValues.Iterate(v).Chunk(Math.Max(1, size)).Select(c => (object?)c.ToList()).ToList();
        },
    };

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(string name, object? value, List<object?> args, Dictionary<string, object?> kwargs) =>
        All.TryGetValue(name, out var f) ? f(value, args, kwargs) : throw new InvalidOperationException($"unsupported filter '{name}'");

    private static string Str(object? v) => v is Undefined ? "" : JinjaValues.ToText(v);

    private static object? Kw(List<object?> a, Dictionary<string, object?> kw, int position, string name) =>
        kw.TryGetValue(name, out var v) ? v : a.Count > position ? a[position] : null;

    private static object? Default(object? v, List<object?> a, Dictionary<string, object?> kw)
    {
        bool boolean = JinjaValues.IsTrue(Kw(a, kw, 1, "boolean"));
        bool useDefault = v is Undefined || (boolean && !JinjaValues.IsTrue(v));
        return useDefault ? Kw(a, kw, 0, "default_value") ?? "" : v;
    }

    private static object? ToInt(object? v, object? fallback) => v switch
    {
        long l => l,
        double d => (long)Math.Truncate(d),
        bool b => b ? 1L : 0L,
        string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
        _ => fallback,
    };

    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool start = true;
        foreach (char c in s)
        {
            sb.Append(start ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            start = !char.IsLetterOrDigit(c);
        }
        return sb.ToString();
    }

    private static List<object?> SelectAttr(object? v, List<object?> a, bool keep)
    {
        if (a.Count == 0 || a[0] is not string attr) throw new InvalidOperationException("selectattr/rejectattr need an attribute name");
        var result = new List<object?>();
        foreach (var x in JinjaValues.Iterate(v))
        {
            var value = JinjaInterpreter.GetAttribute(x, attr);
            bool pass = a.Count > 1 ? JinjaTests.Apply(Str(a[1]), value, a.Skip(2).ToList()) : JinjaValues.IsTrue(value);
            if (pass == keep) result.Add(x);
        }
        return result;
    }

    private static List<object?> Select(object? v, List<object?> a, bool keep)
    {
        var result = new List<object?>();
        foreach (var x in JinjaValues.Iterate(v))
        {
            bool pass = a.Count > 0 ? JinjaTests.Apply(Str(a[0]), x, a.Skip(1).ToList()) : JinjaValues.IsTrue(x);
            if (pass == keep) result.Add(x);
        }
        return result;
    }

    private static object? Map(object? v, List<object?> a, Dictionary<string, object?> kw)
    {
        var items = JinjaValues.Iterate(v);
        if (kw.TryGetValue("attribute", out var attr))
        {
            var fallback = kw.GetValueOrDefault("default");
            return items.Select(x => JinjaInterpreter.GetAttribute(x, Str(attr)) is var r && r is Undefined && kw.ContainsKey("default") ? fallback : JinjaInterpreter.GetAttribute(x, Str(attr))).ToList();
        }
        if (a.Count == 0 || a[0] is not string filter) throw new InvalidOperationException("map needs a filter name or attribute=");
        return items.Select(x => Apply(filter, x, a.Skip(1).ToList(), [])).ToList();
    }

    /// <summary>"%s" / "%d" formatting for the format filter.</summary>
    private static string PercentFormat(string format, List<object?> args)
    {
        var sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            char spec = format[++i];
            if (spec == '%') { sb.Append('%'); continue; }
            var arg = next < args.Count ? args[next++] : throw new InvalidOperationException("format: not enough arguments");
            sb.Append(spec switch
            {
                's' => JinjaValues.ToText(arg),
                'd' or 'i' => ((long)JinjaValues.ToDouble(arg)).ToString(CultureInfo.InvariantCulture),
                'f' => JinjaValues.ToDouble(arg).ToString("F6", CultureInfo.InvariantCulture),
                'r' => JinjaValues.Repr(arg),
                _ => throw new InvalidOperationException($"format: unsupported conversion '%{spec}'"),
            });
        }
        return sb.ToString();
    }
}
