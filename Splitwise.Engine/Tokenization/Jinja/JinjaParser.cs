using System.Globalization;

namespace Splitwise.Engine.Tokenization.Jinja;

/// <summary>
/// Parses the Jinja2 subset chat templates use. Anything else (include, extends, import, unknown filters or
/// tests) is a <see cref="ChatTemplateException"/> naming the line, so a template never renders half-understood.
/// </summary>
internal sealed partial class JinjaParser(List<JinjaToken> tokens)
{
    private readonly List<JinjaToken> _tokens = tokens;
    private int _i;

    private JinjaToken Peek => _tokens[_i];
    private JinjaToken Next() => _tokens[_i++];

    private static ChatTemplateException Error(int line, string problem) => new($"line {line}: {problem}");

    public List<Stmt> ParseTemplate()
    {
        var body = ParseBody(out var end);
        if (end is not null) throw Error(Peek.Line, $"unexpected '{{% {end} %}}'");
        return body;
    }

    /// <summary>Parses statements until an end tag in <paramref name="ends"/> (consumed up to its name; the caller reads the rest).</summary>
    private List<Stmt> ParseBody(out string? endTag, params string[] ends)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case JinjaTokenKind.End:
                    if (ends.Length > 0) throw Error(t.Line, $"template ended while looking for {string.Join(" or ", ends.Select(e => $"'{{% {e} %}}'"))}");
                    endTag = null;
                    return body;
                case JinjaTokenKind.Text:
                    _i++;
                    body.Add(new TextStmt(t.Value, t.Line));
                    break;
                case JinjaTokenKind.OutputBegin:
                    _i++;
                    var e = ParseExpression();
                    Expect(JinjaTokenKind.OutputEnd, "'}}'");
                    body.Add(new OutputStmt(e, t.Line));
                    break;
                case JinjaTokenKind.StatementBegin:
                    var name = _tokens[_i + 1];
                    if (name.Kind != JinjaTokenKind.Name) throw Error(t.Line, "expected a statement name after '{%'");
                    if (ends.Contains(name.Value)) { _i += 2; endTag = name.Value; return body; }
                    _i += 2;
                    body.Add(ParseStatement(name));
                    break;
                default:
                    throw Error(t.Line, $"unexpected '{t.Value}'");
            }
        }
    }

    private Stmt ParseStatement(JinjaToken name)
    {
        int line = name.Line;
        switch (name.Value)
        {
            case "if":
            {
                var branches = new List<(Expr, List<Stmt>)>();
                var cond = ParseExpression();
                EndTag();
                List<Stmt>? elseBody = null;
                while (true)
                {
                    var body = ParseBody(out var end, "elif", "else", "endif");
                    branches.Add((cond, body));
                    if (end == "elif") { cond = ParseExpression(); EndTag(); continue; }
                    if (end == "else") { EndTag(); elseBody = ParseBody(out _, "endif"); }
                    EndTag();
                    break;
                }
                return new IfStmt(branches, elseBody, line);
            }
            case "for":
            {
                var targets = new List<string> { ExpectName() };
                while (Peek.IsOp(",")) { _i++; targets.Add(ExpectName()); }
                if (!Next().IsName("in")) throw Error(line, "expected 'in' in a for loop");
                var iterable = ParseOr(allowConditional: false);
                Expr? filter = null;
                if (Peek.IsName("if")) { _i++; filter = ParseExpression(); }
                if (Peek.IsName("recursive")) throw Error(line, "recursive for loops are not supported");
                EndTag();
                var body = ParseBody(out var end, "else", "endfor");
                List<Stmt>? elseBody = null;
                if (end == "else") { EndTag(); elseBody = ParseBody(out _, "endfor"); }
                EndTag();
                return new ForStmt(targets.ToArray(), iterable, filter, body, elseBody, line);
            }
            case "set":
            {
                var target = ParsePrimaryTarget();
                if (Peek.Kind == JinjaTokenKind.StatementEnd)
                {
                    if (target is not NameExpr n) throw Error(line, "a block set needs a plain variable name");
                    EndTag();
                    var body = ParseBody(out _, "endset");
                    EndTag();
                    return new SetBlockStmt(n.Name, body, line);
                }
                if (!Next().IsOp("=")) throw Error(line, "expected '=' in set");
                var value = ParseTupleOrExpression();
                EndTag();
                return new SetStmt(target, value, line);
            }
            case "macro":
            {
                var macroName = ExpectName();
                Expect(JinjaTokenKind.Operator, "'('", "(");
                var ps = new List<(string, Expr?)>();
                while (!Peek.IsOp(")"))
                {
                    var p = ExpectName();
                    Expr? def = null;
                    if (Peek.IsOp("=")) { _i++; def = ParseExpression(); }
                    ps.Add((p, def));
                    if (Peek.IsOp(",")) _i++;
                    else if (!Peek.IsOp(")")) throw Error(line, "expected ',' or ')' in macro parameters");
                }
                _i++;
                EndTag();
                var body = ParseBody(out _, "endmacro");
                EndTag();
                return new MacroStmt(macroName, ps, body, line);
            }
            case "call":
            {
                var call = ParseExpression();
                EndTag();
                var body = ParseBody(out _, "endcall");
                EndTag();
                return new CallBlockStmt(call, body, line);
            }
            case "filter":
            {
                var filter = ParseFilterCall(null, line);
                EndTag();
                var body = ParseBody(out _, "endfilter");
                EndTag();
                return new FilterBlockStmt(filter, body, line);
            }
            case "generation":
            {
                // transformers' AssistantTracker extension: marks assistant text; it renders its body unchanged.
                EndTag();
                var body = ParseBody(out _, "endgeneration");
                EndTag();
                return new BlockStmt(body, line);
            }
            case "break": EndTag(); return new BreakStmt(line);
            case "continue": EndTag(); return new ContinueStmt(line);
            default:
                throw Error(line, $"unsupported statement '{{% {name.Value} %}}'");
        }
    }

    private Expr ParsePrimaryTarget()
    {
        var t = Next();
        if (t.Kind != JinjaTokenKind.Name) throw Error(t.Line, "expected a variable name");
        Expr target = new NameExpr(t.Value, t.Line);
        if (Peek.IsOp("."))
        {
            _i++;
            target = new AttrExpr(target, ExpectName(), t.Line);
        }
        else if (Peek.IsOp(","))
        {
            var items = new List<Expr> { target };
            while (Peek.IsOp(",")) { _i++; items.Add(new NameExpr(ExpectName(), t.Line)); }
            target = new TupleExpr(items, t.Line);
        }
        return target;
    }

    private void EndTag() => Expect(JinjaTokenKind.StatementEnd, "'%}'");

    private void Expect(JinjaTokenKind kind, string what, string? value = null)
    {
        var t = Next();
        if (t.Kind != kind || (value is not null && t.Value != value))
            throw Error(t.Line, $"expected {what}, found {(t.Kind == JinjaTokenKind.End ? "end of template" : $"'{t.Value}'")}");
    }

    private string ExpectName()
    {
        var t = Next();
        return t.Kind == JinjaTokenKind.Name ? t.Value : throw Error(t.Line, $"expected a name, found '{t.Value}'");
    }
}
