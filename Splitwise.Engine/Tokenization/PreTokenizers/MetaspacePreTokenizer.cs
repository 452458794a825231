namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>When SentencePiece's "▁" goes in front of the text (tokenizer.json "prepend_scheme").</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>Spaces become the replacement character (▁), which may be prepended; with split, each ▁ starts a piece.</summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    public override void PreTokenize(string text, bool atTextStart, List<string> pieces)
    {
        text = text.Replace(' ', replacement);
        bool prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && atTextStart);
        if (prepend && text.Length > 0 && text[0] != replacement) text = replacement + text;
        if (!split) { if (text.Length > 0) pieces.Add(text); return; }
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != replacement) continue;
            pieces.Add(text[start..i]);
            start = i;
        }
    }
}
