using Splitwise.Engine.Tokenization.Jinja;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// A model's Jinja2 chat template, parsed once and rendered per request with the variables transformers passes
/// (messages, add_generation_prompt, bos_token, eos_token, tools, ...). Unsupported constructs fail at parse time
/// with the template line.
/// </summary>
public sealed class ChatTemplate
{
    private readonly List<Stmt> _body;

    private ChatTemplate(string source, List<Stmt> body)
    {
        Source = source;
        _body = body;
    }

    public string Source { get; }

    /// <summary>The clock strftime_now() reads; tests pin it.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.Now;

    /// <exception cref="ChatTemplateException">The template uses syntax this interpreter does not support.</exception>
    public static ChatTemplate Parse(string source, string name = "chat template")
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            // Jinja drops one trailing newline of the template source (keep_trailing_newline=False).
            var text = source.EndsWith("\r\n", StringComparison.Ordinal) ? source[..^2] : source.EndsWith('\n') ? source[..^1] : source;
            return new ChatTemplate(source, new JinjaParser(new JinjaLexer(text).Tokenize()).ParseTemplate());
        }
        catch (ChatTemplateException e)
        {
            throw new ChatTemplateException($"{name}: {e.Message}", e);
        }
    }

    /// <summary>Renders with the given variables: .NET scalars, lists, dictionaries or JsonElements.</summary>
    /// <exception cref="ChatTemplateException">A runtime error or the template's raise_exception, with the line.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables) =>
        new JinjaInterpreter(variables, Clock).Render(_body);

    /// <summary>A copy of this template with another clock.</summary>
    public ChatTemplate WithClock(Func<DateTimeOffset> clock) => new(Source, _body) { Clock = clock };
}
