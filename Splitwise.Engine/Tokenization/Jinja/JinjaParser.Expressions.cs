using System.Globalization;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>Expressions, by Jinja's precedence: conditional, or, and, not, comparisons, ~, + -, * / // %, **, unary, filters and tests, postfix, atoms.</summary>
internal sealed partial class JinjaParser
{
    private Expr ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!Peek.IsOp(",")) return first;
        var items = new List<Expr> { first };
        while (Peek.IsOp(",")) { _i++; items.Add(ParseExpression()); }
        return new TupleExpr(items, first.Line);
    }

    public Expr ParseExpression() => ParseConditional();

    private Expr ParseConditional()
    {
        var e = ParseOr(allowConditional: true);
        while (Peek.IsName("if"))
        {
            int line = Next().Line;
            var cond = ParseOr(allowConditional: true);
            Expr? otherwise = null;
            if (Peek.IsName("else")) { _i++; otherwise = ParseConditional(); }
            e = new ConditionalExpr(cond, e, otherwise, line);
        }
        return e;
    }

    private Expr ParseOr(bool allowConditional)
    {
        var e = ParseAnd();
        while (Peek.IsName("or")) { int line = Next().Line; e = new BinaryExpr("or", e, ParseAnd(), line); }
        return e;
    }

    private Expr ParseAnd()
    {
        var e = ParseNot();
        while (Peek.IsName("and")) { int line = Next().Line; e = new BinaryExpr("and", e, ParseNot(), line); }
        return e;
    }

    private Expr ParseNot()
    {
        if (Peek.IsName("not")) { int line = Next().Line; return new UnaryExpr("not", ParseNot(), line); }
        return ParseCompare();
    }

    private static readonly string[] CompareOps = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseCompare()
    {
        var first = ParseConcat();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Peek;
            if (t.Kind == JinjaTokenKind.Operator && CompareOps.Contains(t.Value)) { _i++; rest.Add((t.Value, ParseConcat())); }
            else if (t.IsName("in")) { _i++; rest.Add(("in", ParseConcat())); }
            else if (t.IsName("not") && _tokens[_i + 1].IsName("in")) { _i += 2; rest.Add(("not in", ParseConcat())); }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, first.Line);
    }

    private Expr ParseConcat()
    {
        var e = ParseAdditive();
        while (Peek.IsOp("~")) { int line = Next().Line; e = new BinaryExpr("~", e, ParseAdditive(), line); }
        return e;
    }

    private Expr ParseAdditive()
    {
        var e = ParseMultiplicative();
        while (Peek.IsOp("+") || Peek.IsOp("-")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParseMultiplicative(), t.Line); }
        return e;
    }

    private Expr ParseMultiplicative()
    {
        var e = ParsePower();
        while (Peek.IsOp("*") || Peek.IsOp("/") || Peek.IsOp("//") || Peek.IsOp("%")) { var t = Next(); e = new BinaryExpr(t.Value, e, ParsePower(), t.Line); }
        return e;
    }

    private Expr ParsePower()
    {
        var e = ParseUnary();
        while (Peek.IsOp("**")) { var t = Next(); e = new BinaryExpr("**", e, ParseUnary(), t.Line); }
        return e;
    }

    /// <summary>As in Jinja, "-x | f" applies f to -x: the operand of a sign takes no filters.</summary>
    private Expr ParseUnary(bool withFilters = true)
    {
        Expr e;
        if (Peek.IsOp("-") || Peek.IsOp("+"))
        {
            var t = Next();
            e = new UnaryExpr(t.Value, ParseUnary(withFilters: false), t.Line);
        }
        else e = ParsePrimary();
        return withFilters ? ParsePostfixTests(e) : e;
    }

    /// <summary>Attribute/item/call postfixes, then "|filter" chains and "is test".</summary>
    private Expr ParsePostfixTests(Expr e)
    {
        while (true)
        {
            var t = Peek;
            if (t.IsOp("|")) { _i++; e = ParseFilterCall(e, t.Line); continue; }
            if (t.IsName("is"))
            {
                _i++;
                bool negated = false;
                if (Peek.IsName("not")) { _i++; negated = true; }
                var nameToken = Next();
                string name = nameToken.Kind switch
                {
                    JinjaTokenKind.Name => nameToken.Value,
                    JinjaTokenKind.Operator when nameToken.Value is "==" or "!=" or "<" or "<=" or ">" or ">=" => nameToken.Value,
                    _ => throw Error(t.Line, $"expected a test name after 'is', found '{nameToken.Value}'"),
                };
                if (!JinjaTests.Exists(name)) throw Error(t.Line, $"unsupported test '{name}'");
                var args = new List<Expr>();
                if (Peek.IsOp("(")) { _i++; args = ParseArguments(out var kw, t.Line); if (kw.Count > 0) throw Error(t.Line, "tests take no keyword arguments"); }
                else if (Peek.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
                    || Peek.Kind == JinjaTokenKind.Name && !Peek.IsName("and") && !Peek.IsName("or") && !Peek.IsName("else") && !Peek.IsName("if") && !Peek.IsName("in") && !Peek.IsName("is") && !Peek.IsName("not"))
                    args.Add(ParsePostfix(ParseAtom()));
                e = new TestExpr(e, name, args, negated, t.Line);
                continue;
            }
            return e;
        }
    }

    private FilterExpr ParseFilterCall(Expr? target, int line)
    {
        var name = ExpectName();
        if (!JinjaFilters.Exists(name)) throw Error(line, $"unsupported filter '{name}'");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        if (Peek.IsOp("(")) { _i++; args = ParseArguments(out kwargs, line); }
        return new FilterExpr(target, name, args, kwargs, line);
    }

    private Expr ParsePrimary() => ParsePostfix(ParseAtom());

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            var t = Peek;
            if (t.IsOp("."))
            {
                _i++;
                var n = Next();
                if (n.Kind == JinjaTokenKind.Name) e = new AttrExpr(e, n.Value, t.Line);
                else if (n.Kind == JinjaTokenKind.Integer) e = new ItemExpr(e, new LiteralExpr(long.Parse(n.Value, CultureInfo.InvariantCulture), n.Line), t.Line);
                else throw Error(t.Line, "expected an attribute name after '.'");
            }
            else if (t.IsOp("[")) { _i++; e = ParseSubscript(e, t.Line); }
            else if (t.IsOp("(")) { _i++; var args = ParseArguments(out var kw, t.Line); e = new CallExpr(e, args, kw, t.Line); }
            else return e;
        }
    }

    private Expr ParseSubscript(Expr target, int line)
    {
        Expr? start = null, stop = null, step = null;
        if (!Peek.IsOp(":")) start = ParseExpression();
        if (Peek.IsOp("]")) { _i++; return new ItemExpr(target, start ?? throw Error(line, "empty subscript"), line); }
        Expect(JinjaTokenKind.Operator, "':' or ']'", ":");
        if (!Peek.IsOp(":") && !Peek.IsOp("]")) stop = ParseExpression();
        if (Peek.IsOp(":")) { _i++; if (!Peek.IsOp("]")) step = ParseExpression(); }
        Expect(JinjaTokenKind.Operator, "']'", "]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private List<Expr> ParseArguments(out List<(string, Expr)> kwargs, int line)
    {
        var args = new List<Expr>();
        kwargs = [];
        while (!Peek.IsOp(")"))
        {
            if (Peek.Kind == JinjaTokenKind.Name && _tokens[_i + 1].IsOp("="))
            {
                var name = Next().Value;
                _i++;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0) throw Error(line, "positional argument after keyword argument");
                args.Add(ParseExpression());
            }
            if (Peek.IsOp(",")) _i++;
            else if (!Peek.IsOp(")")) throw Error(Peek.Line, $"expected ',' or ')' in arguments, found '{Peek.Value}'");
        }
        _i++;
        return args;
    }

    private Expr ParseAtom()
    {
        var t = Next();
        switch (t.Kind)
        {
            case JinjaTokenKind.String:
            {
                var s = t.Value;
                while (Peek.Kind == JinjaTokenKind.String) s += Next().Value; // adjacent literals concatenate
                return new LiteralExpr(s, t.Line);
            }
            case JinjaTokenKind.Integer: return new LiteralExpr(long.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case JinjaTokenKind.Float: return new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture), t.Line);
            case JinjaTokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, t.Line),
                    "false" or "False" => new LiteralExpr(false, t.Line),
                    "none" or "None" => new LiteralExpr(null, t.Line),
                    _ => new NameExpr(t.Value, t.Line),
                };
            case JinjaTokenKind.Operator when t.Value == "(":
            {
                if (Peek.IsOp(")")) { _i++; return new TupleExpr([], t.Line); }
                var first = ParseExpression();
                if (Peek.IsOp(")")) { _i++; return first; }
                var items = new List<Expr> { first };
                while (Peek.IsOp(",")) { _i++; if (Peek.IsOp(")")) break; items.Add(ParseExpression()); }
                Expect(JinjaTokenKind.Operator, "')'", ")");
                return new TupleExpr(items, t.Line);
            }
            case JinjaTokenKind.Operator when t.Value == "[":
            {
                var items = new List<Expr>();
                while (!Peek.IsOp("]"))
                {
                    items.Add(ParseExpression());
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp("]")) throw Error(t.Line, "expected ',' or ']' in a list");
                }
                _i++;
                return new ListExpr(items, t.Line);
            }
            case JinjaTokenKind.Operator when t.Value == "{":
            {
                var items = new List<(Expr, Expr)>();
                while (!Peek.IsOp("}"))
                {
                    var k = ParseExpression();
                    Expect(JinjaTokenKind.Operator, "':'", ":");
                    items.Add((k, ParseExpression()));
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp("}")) throw Error(t.Line, "expected ',' or '}' in a dict");
                }
                _i++;
                return new DictExpr(items, t.Line);
            }
            default:
                throw Error(t.Line, t.Kind == JinjaTokenKind.End ? "unexpected end of template" : $"unexpected '{t.Value}' in an expression");
        }
    }
}
