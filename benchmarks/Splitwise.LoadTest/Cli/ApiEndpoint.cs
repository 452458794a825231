namespace Splitwise.LoadTest.Cli;

/// <summary>Which OpenAI API the requests go to.</summary>
public enum ApiEndpoint
{
    /// <summary>POST {base}/completions with a text or token-id prompt: works with base models (no chat template).</summary>
    Completions,

    /// <summary>POST {base}/chat/completions with one user message.</summary>
    Chat,
}
