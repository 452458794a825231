using Splitwise.Engine.Tokenization.Patterns;

namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>Isolates numeric characters (Rust's char::is_numeric, i.e. \p{N}): each alone, or each run.</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    public override void PreTokenize(string text, bool atTextStart, List<string> pieces)
    {
        int start = 0;
        for (int i = 0; i < text.Length;)
        {
            int w = char.IsSurrogatePair(text, i) ? 2 : 1;
            bool digit = UnicodeClasses.IsNumber(UnicodeClasses.CodePointAt(text, i));
            if (digit)
            {
                int end = i + w;
                if (!individualDigits)
                    while (end < text.Length && UnicodeClasses.IsNumber(UnicodeClasses.CodePointAt(text, end))) end += char.IsSurrogatePair(text, end) ? 2 : 1;
                if (i > start) pieces.Add(text[start..i]);
                pieces.Add(text[i..end]);
                start = i = end;
                continue;
            }
            i += w;
        }
        if (start < text.Length) pieces.Add(text[start..]);
    }
}
