namespace Splitwise.Silo.Wire;

/// <summary>The body of every error response: <c>{"error": {"type", "message", "request_id"}}</c>.</summary>
public sealed record ControlErrorBody(ControlError Error);
