using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>The Python str/dict/list methods templates call, e.g. content.strip(), message.get('x'), x.items().</summary>
internal static class JinjaMethods
{
    public static JinjaCallable? Bind(object? target, string name) => target switch
    {
        string s => StringMethod(s, name),
        OrderedDictionary<string, object?> d => DictMethod(d, name),
        List<object?> l => ListMethod(l, name),
        _ => null,
    };

    private static string Arg(List<object?> a, int i, string method) =>
        a.Count > i && a[i] is string s ? s : throw new InvalidOperationException($"{method}() expects a string argument");

    private static string? CharsArg(List<object?> a, string method) =>
        a.Count == 0 || a[0] is null ? null : a[0] as string ?? throw new InvalidOperationException($"{method}() expects a string argument");

    private static JinjaCallable? StringMethod(string s, string name) => name switch
    {
        "strip" => new(name, (a, _) => CharsArg(a, name) is { } c ? s.Trim(c.ToCharArray()) : s.Trim()),
        "lstrip" => new(name, (a, _) => CharsArg(a, name) is { } c ? s.TrimStart(c.ToCharArray()) : s.TrimStart()),
        "rstrip" => new(name, (a, _) => CharsArg(a, name) is { } c ? s.TrimEnd(c.ToCharArray()) : s.TrimEnd()),
        "upper" => new(name, (_, _) => s.ToUpperInvariant()),
        "lower" => new(name, (_, _) => s.ToLowerInvariant()),
        "title" => new(name, (_, _) => JinjaFilters.Title(s)),
        "capitalize" => new(name, (_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()),
        "startswith" => new(name, (a, _) => Prefixes(a, name).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new(name, (a, _) => Prefixes(a, name).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "split" => new(name, (a, kw) => Split(s, CharsArg(a, name) ?? (kw.GetValueOrDefault("sep") as string),
            a.Count > 1 ? (long)JinjaValues.ToDouble(a[1]) : kw.TryGetValue("maxsplit", out var m) ? (long)JinjaValues.ToDouble(m) : -1)),
        "splitlines" => new(name, (_, _) => s.Split('\n').Select(x => (object?)x.TrimEnd('\r')).Take(s.EndsWith('\n') ? s.Count(c => c == '\n') : int.MaxValue).ToList()),
        "replace" => new(name, (a, _) => Replace(s, Arg(a, 0, name), Arg(a, 1, name), a.Count > 2 ? (long)JinjaValues.ToDouble(a[2]) : -1)),
        "find" => new(name, (a, _) => (long)s.IndexOf(Arg(a, 0, name), StringComparison.Ordinal)),
        "rfind" => new(name, (a, _) => (long)s.LastIndexOf(Arg(a, 0, name), StringComparison.Ordinal)),
        "count" => new(name, (a, _) => { var sub = Arg(a, 0, name); long n = 0; for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0 && sub.Length > 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++; return n; }),
        "join" => new(name, (a, _) => string.Join(s, JinjaValues.Iterate(a.Count > 0 ? a[0] : null).Select(JinjaValues.ToText))),
        "isdigit" => new(name, (_, _) => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => new(name, (_, _) => s.Length > 0 && s.All(char.IsLetter)),
        "isalnum" => new(name, (_, _) => s.Length > 0 && s.All(char.IsLetterOrDigit)),
        "isspace" => new(name, (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace)),
        "isupper" => new(name, (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsLower)),
        "islower" => new(name, (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsUpper)),
        "format" => new(name, (a, kw) => Format(s, a, kw)),
        _ => null,
    };

    private static IEnumerable<string> Prefixes(List<object?> a, string method) => a.Count > 0 && a[0] is List<object?> many
        ? many.Select(x => x as string ?? throw new InvalidOperationException($"{method}() expects strings"))
        : [Arg(a, 0, method)];

    private static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var result = new List<object?>();
        if (sep is null)
        {
            // Python: runs of whitespace separate, leading/trailing whitespace ignored.
            int i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxSplit >= 0 && result.Count == maxSplit) { result.Add(s[i..].TrimEnd()); return result; }
                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                result.Add(s[start..i]);
            }
            return result;
        }
        if (sep.Length == 0) throw new InvalidOperationException("split(): empty separator");
        int pos = 0;
        while (maxSplit < 0 || result.Count < maxSplit)
        {
            int k = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (k < 0) break;
            result.Add(s[pos..k]);
            pos = k + sep.Length;
        }
        result.Add(s[pos..]);
        return result;
    }

    private static string Replace(string s, string old, string @new, long count)
    {
        if (count < 0) return old.Length == 0 ? string.Join(@new, s.Select(c => c.ToString()).Prepend("").Append("")) : s.Replace(old, @new, StringComparison.Ordinal);
        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int k = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (k < 0 || old.Length == 0) break;
            sb.Append(s, pos, k - pos).Append(@new);
            pos = k + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    /// <summary>str.format with "{}", "{0}" and "{name}" fields (no format specs).</summary>
    private static string Format(string s, List<object?> args, Dictionary<string, object?> kwargs)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            int close = s.IndexOf('}', i);
            if (close < 0) throw new InvalidOperationException("format(): unmatched '{'");
            var field = s[(i + 1)..close];
            if (field.Contains(':') || field.Contains('!')) throw new InvalidOperationException("format(): format specs are not supported");
            object? value = field.Length == 0 ? args.ElementAtOrDefault(auto++)
                : int.TryParse(field, out int idx) ? args.ElementAtOrDefault(idx)
                : kwargs.GetValueOrDefault(field);
            sb.Append(JinjaValues.ToText(value));
            i = close;
        }
        return sb.ToString();
    }

    private static JinjaCallable? DictMethod(OrderedDictionary<string, object?> d, string name) => name switch
    {
        "items" => new(name, (_, _) => d.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
        "keys" => new(name, (_, _) => d.Keys.Cast<object?>().ToList()),
        "values" => new(name, (_, _) => d.Values.ToList()),
        "get" => new(name, (a, _) => a.Count > 0 && a[0] is string k && d.TryGetValue(k, out var v) ? v : a.Count > 1 ? a[1] : null),
        _ => null,
    };

    private static JinjaCallable? ListMethod(List<object?> l, string name) => name switch
    {
        "index" => new(name, (a, _) => { int i = l.FindIndex(x => JinjaValues.PyEquals(x, a.FirstOrDefault())); return i >= 0 ? (long)i : throw new InvalidOperationException("list.index(x): x not in list"); }),
        "count" => new(name, (a, _) => (long)l.Count(x => JinjaValues.PyEquals(x, a.FirstOrDefault()))),
        _ => null,
    };
}
