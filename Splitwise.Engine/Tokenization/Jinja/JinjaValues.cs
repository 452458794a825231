using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>A missing variable, key or attribute: prints as "", is false, and fails on further use (Jinja's default Undefined).</summary>
internal sealed class Undefined(string description)
{
    public string Description => description;
}

/// <summary>namespace(...): the one mutable object templates may assign attributes to.</summary>
internal sealed class JinjaNamespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A function value: a macro, a global such as range(), or a bound string/dict method.</summary>
internal sealed class JinjaCallable(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
{
    public string Name => name;
    public object? Invoke(List<object?> args, Dictionary<string, object?> kwargs) => invoke(args, kwargs);
}

/// <summary>Python semantics for the values templates work with: None, bool, long, double, string, list, dict.</summary>
internal static class JinjaValues
{
    /// <summary>Converts caller data (JsonElement, dictionaries, lists, any integer or float type) to interpreter values.</summary>
    public static object? Import(object? v) => v switch
    {
        null => null,
        string or bool or long or double or Undefined or JinjaNamespace or JinjaCallable => v,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        ulong u => (long)u,
        float f => (double)f,
        decimal d => (double)d,
        JsonElement e => ImportJson(e),
        IDictionary<string, object?> d => ToDict(d),
        IReadOnlyDictionary<string, object?> d => ToDict(d),
        IDictionary d => ToDict(d.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(k.ToString()!, d[k]))),
        IEnumerable e => e.Cast<object?>().Select(Import).ToList(),
        _ => v.ToString(),
    };

    private static OrderedDictionary<string, object?> ToDict(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, val) in pairs) d[k] = Import(val);
        return d;
    }

    private static object? ImportJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(x => ImportJson(x)).ToList(),
        JsonValueKind.Object => ToDict(e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, ImportJson(p.Value)))),
        _ => null,
    };

    public static bool IsTrue(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException($"expected a number, got {TypeName(v)}"),
    };

    public static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new InvalidOperationException($"expected an integer, got {TypeName(v)}"),
    };

    public static string TypeName(object? v) => v switch
    {
        null => "None",
        Undefined u => $"undefined ({u.Description})",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaNamespace => "namespace",
        JinjaCallable => "function",
        _ => v.GetType().Name,
    };

    /// <summary>Python's str().</summary>
    public static string ToText(object? v) => v switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        _ => Repr(v),
    };

    public static string FormatFloat(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (double.IsNaN(d)) return "nan";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E')) s = s.Replace("E", "e");
        else if (!s.Contains('.')) s += ".0";
        return s;
    }

    /// <summary>Python's repr(), used when a list or dict is printed.</summary>
    public static string Repr(object? v) => v switch
    {
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'",
        List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        OrderedDictionary<string, object?> d => "{" + string.Join(", ", d.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
        JinjaNamespace => "<Namespace>",
        JinjaCallable c => $"<function {c.Name}>",
        _ => ToText(v),
    };

    public static bool PyEquals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a) == ToDouble(b);
        if (a is string sa && b is string sb) return sa == sb;
        if (a is List<object?> la && b is List<object?> lb) return la.Count == lb.Count && la.Zip(lb).All(p => PyEquals(p.First, p.Second));
        if (a is OrderedDictionary<string, object?> da && b is OrderedDictionary<string, object?> db)
            return da.Count == db.Count && da.All(p => db.TryGetValue(p.Key, out var v) && PyEquals(p.Value, v));
        return ReferenceEquals(a, b);
    }

    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb);
        if (a is List<object?> la && b is List<object?> lb)
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++) { int c = Compare(la[i], lb[i]); if (c != 0) return c; }
            return la.Count.CompareTo(lb.Count);
        }
        throw new InvalidOperationException($"cannot compare {TypeName(a)} with {TypeName(b)}");
    }

    /// <summary>Iterates a value as Python would: list items, dict keys, string characters; undefined is empty.</summary>
    public static List<object?> Iterate(object? v) => v switch
    {
        Undefined => [],
        List<object?> l => l,
        OrderedDictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        _ => throw new InvalidOperationException($"{TypeName(v)} is not iterable"),
    };

    public static long Length(object? v) => v switch
    {
        string s => s.EnumerateRunes().Count(),
        List<object?> l => l.Count,
        OrderedDictionary<string, object?> d => d.Count,
        Undefined => 0,
        _ => throw new InvalidOperationException($"object of type {TypeName(v)} has no length"),
    };

    /// <summary>json.dumps(value, ensure_ascii=False, indent=indent), the tojson transformers gives templates.</summary>
    public static string ToJson(object? v, int? indent)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, indent, 0);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? v, int? indent, int depth)
    {
        switch (v)
        {
            case null or Undefined: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(double.IsFinite(d) ? FormatFloat(d) : double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"); break;
            case string s: WriteJsonString(sb, s); break;
            case List<object?> list:
                if (list.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(indent is null ? ", " : ",");
                    NewLine(sb, indent, depth + 1);
                    WriteJson(sb, list[i], indent, depth + 1);
                }
                NewLine(sb, indent, depth);
                sb.Append(']');
                break;
            case OrderedDictionary<string, object?> dict:
                if (dict.Count == 0) { sb.Append("{}"); break; }
                sb.Append('{');
                int k = 0;
                foreach (var (key, val) in dict)
                {
                    if (k++ > 0) sb.Append(indent is null ? ", " : ",");
                    NewLine(sb, indent, depth + 1);
                    WriteJsonString(sb, key);
                    sb.Append(": ");
                    WriteJson(sb, val, indent, depth + 1);
                }
                NewLine(sb, indent, depth);
                sb.Append('}');
                break;
            case JinjaNamespace ns: WriteJson(sb, ns.Attributes, indent, depth); break;
            default: throw new InvalidOperationException($"{TypeName(v)} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder sb, int? indent, int depth)
    {
        if (indent is not { } n) return;
        sb.Append('\n').Append(' ', n * depth);
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
