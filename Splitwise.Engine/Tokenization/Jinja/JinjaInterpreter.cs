using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>
/// Renders a parsed template. Scoping follows Jinja: each for-loop iteration and each macro call has its own
/// scope, so "set" inside a loop does not leak out (templates use namespace() for that).
/// </summary>
internal sealed class JinjaInterpreter
{
    private const int MaxOutputChars = 16 << 20;
    private const int MaxCallDepth = 200;

    private sealed class Scope(Scope? parent)
    {
        public readonly Dictionary<string, object?> Vars = new(StringComparer.Ordinal);
        public Scope? Parent => parent;

        public bool TryGet(string name, out object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s.Vars.TryGetValue(name, out value)) return true;
            value = null;
            return false;
        }
    }

    private enum Flow { Normal, Break, Continue }

    /// <summary>Thrown by raise_exception() in a template; reported as is.</summary>
    private sealed class TemplateRaised(string message) : Exception(message);

    private readonly Scope _globals = new(null);
    private int _depth;

    public JinjaInterpreter(IReadOnlyDictionary<string, object?> variables, Func<DateTimeOffset> clock)
    {
        _globals.Vars["range"] = new JinjaCallable("range", (a, _) => Range(a));
        _globals.Vars["namespace"] = new JinjaCallable("namespace", (a, kw) =>
        {
            var ns = new JinjaNamespace();
            if (a.Count > 0 && a[0] is OrderedDictionary<string, object?> init) foreach (var (k, v) in init) ns.Attributes[k] = v;
            foreach (var (k, v) in kw) ns.Attributes[k] = v;
            return ns;
        });
        _globals.Vars["dict"] = new JinjaCallable("dict", (a, kw) =>
        {
            var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (k, v) in kw) d[k] = v;
            return d;
        });
        _globals.Vars["raise_exception"] = new JinjaCallable("raise_exception", (a, _) =>
            throw new TemplateRaised(a.Count > 0 ? JinjaValues.ToText(a[0]) : "raise_exception() called"));
        _globals.Vars["strftime_now"] = new JinjaCallable("strftime_now", (a, _) =>
            StrFTime(clock(), a.Count > 0 && a[0] is string f ? f : throw new InvalidOperationException("strftime_now needs a format string")));
        foreach (var (k, v) in variables) _globals.Vars[k] = JinjaValues.Import(v);
    }

    public string Render(List<Stmt> template)
    {
        var sb = new StringBuilder();
        try
        {
            ExecuteBlock(template, new Scope(_globals), sb);
        }
        catch (TemplateRaised e)
        {
            throw new ChatTemplateException($"the template raised an exception: {e.Message}");
        }
        return sb.ToString();
    }

    private static ChatTemplateException Error(int line, string problem) => new($"line {line}: {problem}");

    private Flow ExecuteBlock(List<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            var flow = Execute(stmt, scope, output);
            if (flow != Flow.Normal) return flow;
            if (output.Length > MaxOutputChars) throw Error(stmt.Line, $"rendered output exceeds {MaxOutputChars} characters");
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt stmt, Scope scope, StringBuilder output)
    {
        try
        {
            switch (stmt)
            {
                case TextStmt t: output.Append(t.Text); return Flow.Normal;
                case OutputStmt o: output.Append(JinjaValues.ToText(Eval(o.Value, scope))); return Flow.Normal;
                case IfStmt i:
                    foreach (var (cond, body) in i.Branches)
                        if (JinjaValues.IsTrue(Eval(cond, scope))) return ExecuteBlock(body, scope, output);
                    return i.Else is null ? Flow.Normal : ExecuteBlock(i.Else, scope, output);
                case ForStmt f: return ExecuteFor(f, scope, output);
                case SetStmt s: Assign(s.Target, Eval(s.Value, scope), scope, s.Line); return Flow.Normal;
                case SetBlockStmt sb:
                {
                    var inner = new StringBuilder();
                    ExecuteBlock(sb.Body, scope, inner);
                    scope.Vars[sb.Name] = inner.ToString();
                    return Flow.Normal;
                }
                case MacroStmt m: scope.Vars[m.Name] = MakeMacro(m, scope); return Flow.Normal;
                case CallBlockStmt c:
                {
                    var inner = new Scope(scope);
                    var body = c.Body;
                    inner.Vars["caller"] = new JinjaCallable("caller", (_, _) => { var sb = new StringBuilder(); ExecuteBlock(body, new Scope(scope), sb); return sb.ToString(); });
                    output.Append(JinjaValues.ToText(Eval(c.Call, inner)));
                    return Flow.Normal;
                }
                case FilterBlockStmt fb:
                {
                    var inner = new StringBuilder();
                    ExecuteBlock(fb.Body, scope, inner);
                    output.Append(JinjaValues.ToText(ApplyFilter(fb.Filter, inner.ToString(), scope)));
                    return Flow.Normal;
                }
                case BlockStmt b: return ExecuteBlock(b.Body, scope, output);
                case BreakStmt: return Flow.Break;
                case ContinueStmt: return Flow.Continue;
                default: throw Error(stmt.Line, $"cannot execute {stmt.GetType().Name}");
            }
        }
        catch (InvalidOperationException e)
        {
            throw Error(stmt.Line, e.Message);
        }
    }

    private Flow ExecuteFor(ForStmt f, Scope scope, StringBuilder output)
    {
        var source = Eval(f.Iterable, scope);
        if (source is OrderedDictionary<string, object?> && f.Targets.Length == 2)
            throw Error(f.Line, "iterating a dict yields keys; use .items() to unpack key, value");
        var items = JinjaValues.Iterate(source);
        if (f.Filter is not null)
            items = items.Where(item => { var s = new Scope(scope); Bind(f.Targets, item, s, f.Line); return JinjaValues.IsTrue(Eval(f.Filter, s)); }).ToList();
        if (items.Count == 0) return f.Else is null ? Flow.Normal : ExecuteBlock(f.Else, scope, output);
        var loop = new JinjaLoop(items);
        for (int i = 0; i < items.Count; i++)
        {
            var iteration = new Scope(scope);
            loop.Index0 = i;
            iteration.Vars["loop"] = loop;
            Bind(f.Targets, items[i], iteration, f.Line);
            if (ExecuteBlock(f.Body, iteration, output) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private static void Bind(string[] targets, object? item, Scope scope, int line)
    {
        if (targets.Length == 1) { scope.Vars[targets[0]] = item; return; }
        if (item is not List<object?> parts || parts.Count != targets.Length)
            throw Error(line, $"cannot unpack {JinjaValues.TypeName(item)} into {targets.Length} variables");
        for (int k = 0; k < targets.Length; k++) scope.Vars[targets[k]] = parts[k];
    }

    private void Assign(Expr target, object? value, Scope scope, int line)
    {
        switch (target)
        {
            case NameExpr n: scope.Vars[n.Name] = value; break;
            case AttrExpr { Target: NameExpr owner } a:
                if (!scope.TryGet(owner.Name, out var obj) || obj is not JinjaNamespace ns)
                    throw Error(line, $"cannot set '{owner.Name}.{a.Name}': only namespace() objects take attribute assignment");
                ns.Attributes[a.Name] = value;
                break;
            case TupleExpr t: Bind(t.Items.Select(i => ((NameExpr)i).Name).ToArray(), value, scope, line); break;
            default: throw Error(line, "unsupported assignment target");
        }
    }

    private JinjaCallable MakeMacro(MacroStmt m, Scope definitionScope) => new(m.Name, (args, kwargs) =>
    {
        if (++_depth > MaxCallDepth) throw Error(m.Line, $"macro '{m.Name}' nested deeper than {MaxCallDepth} calls");
        try
        {
            var scope = new Scope(definitionScope);
            if (args.Count > m.Parameters.Count) throw Error(m.Line, $"macro '{m.Name}' takes {m.Parameters.Count} arguments, got {args.Count}");
            for (int i = 0; i < m.Parameters.Count; i++)
            {
                var (name, def) = m.Parameters[i];
                scope.Vars[name] = i < args.Count ? args[i]
                    : kwargs.TryGetValue(name, out var kv) ? kv
                    : def is not null ? Eval(def, scope) : new Undefined($"macro argument '{name}'");
            }
            var sb = new StringBuilder();
            ExecuteBlock(m.Body, scope, sb);
            return sb.ToString();
        }
        finally { _depth--; }
    });

    private object? Eval(Expr e, Scope scope)
    {
        switch (e)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.TryGet(n.Name, out var v) ? v : new Undefined($"'{n.Name}' is undefined");
            case ListExpr l: return l.Items.Select(x => Eval(x, scope)).ToList();
            case TupleExpr t: return t.Items.Select(x => Eval(x, scope)).ToList();
            case DictExpr d:
            {
                var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, val) in d.Items)
                    dict[Eval(k, scope) as string ?? throw Error(d.Line, "dict keys must be strings")] = Eval(val, scope);
                return dict;
            }
            case AttrExpr a:
            {
                var target = Eval(a.Target, scope);
                if (target is Undefined u) throw Error(a.Line, $"cannot read '.{a.Name}' of an undefined value ({u.Description})");
                return GetAttribute(target, a.Name);
            }
            case ItemExpr i:
            {
                var target = Eval(i.Target, scope);
                if (target is Undefined u) throw Error(i.Line, $"cannot index an undefined value ({u.Description})");
                return GetItem(target, Eval(i.Key, scope), i.Line);
            }
            case SliceExpr s: return Slice(Eval(s.Target, scope), s, scope);
            case CallExpr c:
            {
                var callee = Eval(c.Callee, scope);
                if (callee is not JinjaCallable f)
                    throw Error(c.Line, callee is Undefined u ? $"cannot call an undefined value ({u.Description})" : $"{JinjaValues.TypeName(callee)} is not callable");
                var args = c.Args.Select(x => Eval(x, scope)).ToList();
                var kwargs = c.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, scope), StringComparer.Ordinal);
                try { return f.Invoke(args, kwargs); }
                catch (InvalidOperationException ex) { throw Error(c.Line, $"{f.Name}(): {ex.Message}"); }
            }
            case FilterExpr f: return ApplyFilter(f, Eval(f.Target!, scope), scope);
            case TestExpr t:
            {
                var value = Eval(t.Target, scope);
                bool result = JinjaTests.Apply(t.Name, value, t.Args.Select(x => Eval(x, scope)).ToList());
                return result != t.Negated;
            }
            case UnaryExpr u:
            {
                var value = Eval(u.Operand, scope);
                return u.Op switch
                {
                    "not" => !JinjaValues.IsTrue(value),
                    "-" => value is long l ? (object)(-l) : value is double d ? -d : throw Error(u.Line, $"bad operand for unary -: {JinjaValues.TypeName(value)}"),
                    _ => value,
                };
            }
            case BinaryExpr b:
            {
                if (b.Op == "and") { var left = Eval(b.Left, scope); return JinjaValues.IsTrue(left) ? Eval(b.Right, scope) : left; }
                if (b.Op == "or") { var left = Eval(b.Left, scope); return JinjaValues.IsTrue(left) ? left : Eval(b.Right, scope); }
                var l = Eval(b.Left, scope);
                var r = Eval(b.Right, scope);
                if (b.Op == "~") return JinjaValues.ToText(l) + JinjaValues.ToText(r);
                try { return Arithmetic(b.Op, l, r); }
                catch (InvalidOperationException ex) { throw Error(b.Line, ex.Message); }
            }
            case CompareExpr c:
            {
                var left = Eval(c.First, scope);
                foreach (var (op, rightExpr) in c.Rest)
                {
                    var right = Eval(rightExpr, scope);
                    bool ok;
                    try
                    {
                        ok = op switch
                        {
                            "==" => JinjaValues.PyEquals(left, right),
                            "!=" => !JinjaValues.PyEquals(left, right),
                            "<" => JinjaValues.Compare(left, right) < 0,
                            "<=" => JinjaValues.Compare(left, right) <= 0,
                            ">" => JinjaValues.Compare(left, right) > 0,
                            ">=" => JinjaValues.Compare(left, right) >= 0,
                            "in" => Contains(right, left),
                            _ => !Contains(right, left),
                        };
                    }
                    catch (InvalidOperationException ex) { throw Error(c.Line, ex.Message); }
                    if (!ok) return false;
                    left = right;
                }
                return true;
            }
            case ConditionalExpr c:
                return JinjaValues.IsTrue(Eval(c.Condition, scope)) ? Eval(c.Then, scope)
                    : c.Else is null ? new Undefined("conditional without else") : Eval(c.Else, scope);
            default:
                throw Error(e.Line, $"cannot evaluate {e.GetType().Name}");
        }
    }

    private object? ApplyFilter(FilterExpr f, object? value, Scope scope)
    {
        var args = f.Args.Select(x => Eval(x, scope)).ToList();
        var kwargs = f.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, scope), StringComparer.Ordinal);
        try { return JinjaFilters.Apply(f.Name, value, args, kwargs); }
        catch (InvalidOperationException ex) { throw Error(f.Line, $"filter '{f.Name}': {ex.Message}"); }
    }

    public static object? GetAttribute(object? target, string name) => target switch
    {
        OrderedDictionary<string, object?> d when d.TryGetValue(name, out var v) => v,
        JinjaNamespace ns => ns.Attributes.TryGetValue(name, out var v) ? v : new Undefined($"namespace has no attribute '{name}'"),
        JinjaLoop loop => loop.Attribute(name),
        _ => (object?)JinjaMethods.Bind(target, name) ?? new Undefined($"{JinjaValues.TypeName(target)} has no attribute '{name}'"),
    };

    private static object? GetItem(object? target, object? key, int line)
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

    private object? Slice(object? target, SliceExpr s, Scope scope)
    {
        long? Opt(Expr? x) => x is null ? null : Eval(x, scope) switch
        {
            null => null,
            long l => l,
            var other => throw Error(s.Line, $"slice indices must be integers, got {JinjaValues.TypeName(other)}"),
        };
        long? start = Opt(s.Start), stop = Opt(s.Stop), step = Opt(s.Step) ?? 1;
        if (step == 0) throw Error(s.Line, "slice step cannot be zero");
        List<object?> items = target switch
        {
            List<object?> l => l,
            string str => str.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
            _ => throw Error(s.Line, $"cannot slice {JinjaValues.TypeName(target)}"),
        };
        var picked = new List<object?>();
        foreach (var i in SliceIndices(items.Count, start, stop, step.Value)) picked.Add(items[i]);
        return target is string ? string.Concat(picked.Cast<string>()) : picked;
    }

    /// <summary>Python's slice.indices().</summary>
    private static IEnumerable<int> SliceIndices(int n, long? start, long? stop, long step)
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

    private static List<object?> Range(List<object?> a)
    {
        long start = 0, stop, step = 1;
        if (a.Count == 1) stop = (long)JinjaValues.ToDouble(a[0]);
        else if (a.Count >= 2) { start = (long)JinjaValues.ToDouble(a[0]); stop = (long)JinjaValues.ToDouble(a[1]); if (a.Count > 2) step = (long)JinjaValues.ToDouble(a[2]); }
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
    private static string StrFTime(DateTimeOffset t, string format)
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
