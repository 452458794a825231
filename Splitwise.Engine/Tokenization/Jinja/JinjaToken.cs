namespace Splitwise.Engine.Tokenization.Jinja;

internal enum JinjaTokenKind { Text, OutputBegin, OutputEnd, StatementBegin, StatementEnd, Name, String, Integer, Float, Operator, End }

internal readonly record struct JinjaToken(JinjaTokenKind Kind, string Value, int Line)
{
    public bool Is(JinjaTokenKind kind, string value) => Kind == kind && Value == value;
    public bool IsName(string value) => Is(JinjaTokenKind.Name, value);
    public bool IsOp(string value) => Is(JinjaTokenKind.Operator, value);
}
