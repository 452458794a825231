using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>The tojson filter: Python's json.dumps with ensure_ascii=False, as transformers defines it for chat templates.</summary>
internal static class JinjaJson
{
    /// <summary>json.dumps(value, ensure_ascii=False, indent=indent), the tojson transformers gives templates.</summary>
    public static string Serialize(object? v, int? indent)
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
            case double d: sb.Append(double.IsFinite(d) ? JinjaValues.FormatFloat(d) : double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"); break;
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
            default: throw new InvalidOperationException($"{JinjaValues.TypeName(v)} is not JSON serializable");
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
