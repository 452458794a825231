namespace Splitwise.Engine.Tokenization;

/// <summary>
/// A chat template that cannot be parsed or rendered: an unsupported construct, a runtime type error, or the
/// template's own raise_exception. The message names the template line.
/// </summary>
public sealed class ChatTemplateException(string message, Exception? inner = null) : Exception(message, inner);
