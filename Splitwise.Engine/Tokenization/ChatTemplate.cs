namespace Splitwise.Engine.Tokenization;

public sealed class ChatTemplate
{
    public string Source { get; }
    private ChatTemplate(string source) { Source = source; }
    public static ChatTemplate Parse(string source, string name = "chat template") => new(source);
    public string Render(IReadOnlyDictionary<string, object?> variables) => throw new NotImplementedException();
}
