namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>The "is" tests: x is defined, x is none, x is string, n is divisibleby 3, ...</summary>
internal static class JinjaTests
{
    private static readonly Dictionary<string, Func<object?, List<object?>, bool>> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => v is long or double,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["mapping"] = (v, _) => v is OrderedDictionary<string, object?>,
        ["sequence"] = (v, _) => v is List<object?> or string or OrderedDictionary<string, object?>,
        ["iterable"] = (v, _) => v is List<object?> or string or OrderedDictionary<string, object?>,
        ["callable"] = (v, _) => v is JinjaCallable,
        ["odd"] = (v, _) => v is long l && l % 2 != 0,
        ["even"] = (v, _) => v is long l && l % 2 == 0,
        ["divisibleby"] = (v, a) => v is long l && a.Count == 1 && a[0] is long d && d != 0 && l % d == 0,
        ["lower"] = (v, _) => v is string s && s == s.ToLowerInvariant(),
        ["upper"] = (v, _) => v is string s && s == s.ToUpperInvariant(),
        ["eq"] = (v, a) => JinjaValues.PyEquals(v, One(a)),
        ["ne"] = (v, a) => !JinjaValues.PyEquals(v, One(a)),
        ["lt"] = (v, a) => JinjaValues.Compare(v, One(a)) < 0,
        ["le"] = (v, a) => JinjaValues.Compare(v, One(a)) <= 0,
        ["gt"] = (v, a) => JinjaValues.Compare(v, One(a)) > 0,
        ["ge"] = (v, a) => JinjaValues.Compare(v, One(a)) >= 0,
        ["in"] = (v, a) => JinjaInterpreter.Contains(One(a), v),
        ["sameas"] = (v, a) => ReferenceEquals(v, One(a)) || v is null && One(a) is null || v is bool b && One(a) is bool c && b == c,
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["equalto"] = "eq", ["=="] = "eq", ["!="] = "ne", ["lessthan"] = "lt", ["<"] = "lt", ["<="] = "le",
        ["greaterthan"] = "gt", [">"] = "gt", [">="] = "ge",
    };

    private static object? One(List<object?> a) => a.Count == 1 ? a[0] : throw new InvalidOperationException("test expects one argument");

    public static bool Exists(string name) => All.ContainsKey(Aliases.GetValueOrDefault(name, name));

    public static bool Apply(string name, object? value, List<object?> args) =>
        All.TryGetValue(Aliases.GetValueOrDefault(name, name), out var test) ? test(value, args)
            : throw new InvalidOperationException($"unsupported test '{name}'");
}
