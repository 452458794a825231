using System.Globalization;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>Attribute and item access, membership, slicing and arithmetic with Python semantics.</summary>
internal static class JinjaOperators
{
    public static object? GetAttribute(object? target, string name) => target switch
    {
        OrderedDictionary<string, object?> d when d.TryGetValue(name, out var v) => v,
        JinjaNamespace ns => ns.Attributes.TryGetValue(name, out var v) ? v : new Undefined($"namespace has no attribute '{name}'"),
        JinjaLoop loop => loop.Attribute(name),
        _ => (object?)JinjaMethods.Bind(target, name) ?? new Undefined($"{JinjaValues.TypeName(target)} has no attribute '{name}'"),
    };

    public static object? GetItem(object? target, object? key, int line)
    {
        switch (target)
        {
            case List<object?> list when key is long i:
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : new Undefined($"list index {key} out of range");
            case string s when key is long i:
            {
                var runes = s.EnumerateRunes().ToList();
                if (i < 0) i += runes.Count;
                return i >= 0 && i < runes.Count ? runes[(int)i].ToString() : new Undefined($"string index {key} out of range");
            }
            case OrderedDictionary<string, object?> d when key is string k:
                return d.TryGetValue(k, out var v) ? v : new Undefined($"dict has no key '{k}'");
            case JinjaNamespace or JinjaLoop when key is string k:
                return GetAttribute(target, k);
            case OrderedDictionary<string, object?>:
                return new Undefined($"dict has no key {JinjaValues.Repr(key)}");
            default:
                throw Error(line, $"cannot index {JinjaValues.TypeName(target)} with {JinjaValues.TypeName(key)}");
        }
    }

    /// <summary>Python's slice.indices().</summary>
    public static IEnumerable<int> SliceIndices(int n, long? start, long? stop, long step)
    {
        long Clamp(long? v, long def, long lo, long hi)
        {
            if (v is not { } x) return def;
            if (x < 0) x += n;
            return Math.Clamp(x, lo, hi);
        }
        if (step > 0)
        {
            long a = Clamp(start, 0, 0, n), b = Clamp(stop, n, 0, n);
            for (long i = a; i < b; i += step) yield return (int)i;
        }
        else
        {
            long a = Clamp(start, n - 1, -1, n - 1), b = Clamp(stop, -1, -1, n - 1);
            if (stop is { } sv && sv < 0 && sv + n < 0) b = -1;
            for (long i = a; i > b; i += step) yield return (int)i;
        }
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub ? s.Contains(sub, StringComparison.Ordinal) : throw new InvalidOperationException($"'in <string>' requires a string, got {JinjaValues.TypeName(item)}"),
        List<object?> l => l.Any(x => JinjaValues.PyEquals(x, item)),
        OrderedDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        Undefined => false,
        _ => throw new InvalidOperationException($"argument of type {JinjaValues.TypeName(container)} is not iterable"),
    };

    public static object? Arithmetic(string op, object? l, object? r)
    {
        if (op == "+")
        {
            if (l is string ls && r is string rs) return ls + rs;
            if (l is List<object?> ll && r is List<object?> rl) return ll.Concat(rl).ToList();
        }
        if (op == "%" && l is string format) // Python's "%s" % value and "%s %s" % (a, b)
            return JinjaFilters.PercentFormat(format, r is List<object?> tuple ? tuple : [r]);
        if (op == "*" && (l is string || r is string))
        {
            var (s, n) = l is string a ? (a, r) : ((string)r!, l);
            return n is long k ? string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, k))) : throw new InvalidOperationException("can only multiply a string by an int");
        }
        if (!JinjaValues.IsNumber(l) || !JinjaValues.IsNumber(r) || l is Undefined || r is Undefined)
            throw new InvalidOperationException($"unsupported operand types for {op}: {JinjaValues.TypeName(l)} and {JinjaValues.TypeName(r)}");
        bool ints = l is long or bool && r is long or bool;
        long li = ints ? JinjaValues.ToLong(l) : 0, ri = ints ? JinjaValues.ToLong(r) : 0;
        double ld = JinjaValues.ToDouble(l), rd = JinjaValues.ToDouble(r);
        switch (op)
        {
            case "+": return ints ? (object)(li + ri) : ld + rd;
            case "-": return ints ? (object)(li - ri) : ld - rd;
            case "*": return ints ? (object)(li * ri) : ld * rd;
            case "/": return rd == 0 ? throw new InvalidOperationException("division by zero") : ld / rd;
            case "//":
                if (rd == 0) throw new InvalidOperationException("division by zero");
                return ints ? (object)(long)Math.Floor((double)li / ri) : Math.Floor(ld / rd);
            case "%":
                if (rd == 0) throw new InvalidOperationException("modulo by zero");
                return ints ? (object)(((li % ri) + ri) % ri) : ld - rd * Math.Floor(ld / rd);
            case "**": return ints && ri >= 0 ? (object)(long)Math.Pow(li, ri) : Math.Pow(ld, rd);
            default: throw new InvalidOperationException($"unknown operator {op}");
        }
    }

    private static ChatTemplateException Error(int line, string problem) => new($"line {line}: {problem}");
}
