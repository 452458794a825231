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
    private readonly ChatTemplateException? _parseError;

    private ChatTemplate(string source, List<Stmt> body, ChatTemplateException? parseError = null)
    {
        Source = source;
        _body = body;
        _parseError = parseError;
    }

    public string Source { get; }

    /// <summary>Why the template could not be parsed (rendering throws it), or null.</summary>
    public string? ParseError => _parseError?.Message;

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

    /// <summary>
    /// Parses, but keeps a parse error for <see cref="Render"/> to throw: a tokenizer whose template uses an unsupported
    /// construct still encodes and decodes; only chat rendering fails, with the template line.
    /// </summary>
    internal static ChatTemplate ParseDeferringErrors(string source, string name)
    {
        try { return Parse(source, name); }
        catch (ChatTemplateException e) { return new ChatTemplate(source, [], e); }
    }

    /// <summary>Renders with the given variables: .NET scalars, lists, dictionaries or JsonElements.</summary>
    /// <exception cref="ChatTemplateException">A parse or runtime error or the template's raise_exception, with the line.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        if (_parseError is not null) throw new ChatTemplateException(_parseError.Message, _parseError);
        return new JinjaInterpreter(variables, Clock).Render(_body);
    }

    /// <summary>A copy of this template with another clock.</summary>
    public ChatTemplate WithClock(Func<DateTimeOffset> clock) => new(Source, _body, _parseError) { Clock = clock };
}
