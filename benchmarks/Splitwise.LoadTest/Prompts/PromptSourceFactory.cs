using Splitwise.LoadTest.Cli;

namespace Splitwise.LoadTest.Prompts;

/// <summary>Picks the prompt source the options ask for.</summary>
public static class PromptSourceFactory
{
    public static IPromptSource Create(LoadTestOptions o)
    {
        if (o.PromptFormat == PromptFormat.TokenIds) return new TokenIdPromptSource(o.TokenIdRange.Lo, o.TokenIdRange.Hi);
        if (o.TokenizerPath == null) return new TextPromptSource(CommonWords.All, addedTokens: 0, leadingSpace: false, exact: false, "built-in");
        var tok = HfTokenizerFile.Load(o.TokenizerPath);
        var words = CommonWords.All.Where(tok.EncodesAsSingleToken).ToList();
        return new TextPromptSource(words, tok.AddedTokens, leadingSpace: tok.IsByteLevel, exact: true, Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(o.TokenizerPath))) ?? o.TokenizerPath);
    }
}
