namespace Splitwise.Engine.Tokenization.Jinja;

// Statements. Each carries its template line for error messages.
internal abstract record Stmt(int Line);
internal sealed record TextStmt(string Text, int Line) : Stmt(Line);
internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);
internal sealed record IfStmt(List<(Expr Condition, List<Stmt> Body)> Branches, List<Stmt>? Else, int Line) : Stmt(Line);
internal sealed record ForStmt(string[] Targets, Expr Iterable, Expr? Filter, List<Stmt> Body, List<Stmt>? Else, int Line) : Stmt(Line);
internal sealed record SetStmt(Expr Target, Expr Value, int Line) : Stmt(Line);
internal sealed record SetBlockStmt(string Name, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record MacroStmt(string Name, List<(string Name, Expr? Default)> Parameters, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record CallBlockStmt(Expr Call, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record FilterBlockStmt(FilterExpr Filter, List<Stmt> Body, int Line) : Stmt(Line);
internal sealed record BreakStmt(int Line) : Stmt(Line);
internal sealed record ContinueStmt(int Line) : Stmt(Line);
internal sealed record BlockStmt(List<Stmt> Body, int Line) : Stmt(Line);

// Expressions.
internal abstract record Expr(int Line);
internal sealed record LiteralExpr(object? Value, int Line) : Expr(Line);
internal sealed record NameExpr(string Name, int Line) : Expr(Line);
internal sealed record ListExpr(List<Expr> Items, int Line) : Expr(Line);
internal sealed record TupleExpr(List<Expr> Items, int Line) : Expr(Line);
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items, int Line) : Expr(Line);
internal sealed record AttrExpr(Expr Target, string Name, int Line) : Expr(Line);
internal sealed record ItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);
internal sealed record CallExpr(Expr Callee, List<Expr> Args, List<(string Name, Expr Value)> Kwargs, int Line) : Expr(Line);
internal sealed record FilterExpr(Expr? Target, string Name, List<Expr> Args, List<(string Name, Expr Value)> Kwargs, int Line) : Expr(Line);
internal sealed record TestExpr(Expr Target, string Name, List<Expr> Args, bool Negated, int Line) : Expr(Line);
internal sealed record UnaryExpr(string Op, Expr Operand, int Line) : Expr(Line);
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line) : Expr(Line);
internal sealed record CompareExpr(Expr First, List<(string Op, Expr Right)> Rest, int Line) : Expr(Line);
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line) : Expr(Line);
