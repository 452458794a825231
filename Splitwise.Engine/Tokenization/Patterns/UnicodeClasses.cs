using System.Globalization;
using System.Text;

namespace Splitwise.Engine.Tokenization.Patterns;

/// <summary>Unicode character classes on code points, as Rust's regex crate defines \p{..}, \s, \d and \w.</summary>
internal static class UnicodeClasses
{
    public static UnicodeCategory Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp);

    public static bool IsLetter(int cp) => cp < 128 ? (uint)((cp | 0x20) - 'a') <= 'z' - 'a' : Category(cp) <= UnicodeCategory.OtherLetter;

    public static bool IsNumber(int cp) => cp < 128 ? (uint)(cp - '0') <= 9
        : Category(cp) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Unicode White_Space (what \s means in Rust's regex).</summary>
    public static bool IsWhiteSpace(int cp) => cp < 128 ? cp == ' ' || (uint)(cp - '\t') <= '\r' - '\t'
        : cp <= 0xFFFF ? char.IsWhiteSpace((char)cp) : false;

    public static bool IsWordChar(int cp) => cp == '_' || IsLetter(cp) || IsNumber(cp) && Category(cp) == UnicodeCategory.DecimalDigitNumber
        || Category(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.ConnectorPunctuation
        || cp is 0x200C or 0x200D;

    /// <summary>The categories a \p{Name} property covers, or null when the name is not a general category.</summary>
    public static Func<int, bool>? Property(string name)
    {
        static Func<int, bool> Of(params UnicodeCategory[] cats) => cp => Array.IndexOf(cats, Category(cp)) >= 0;
        return name switch
        {
            "L" or "Letter" => IsLetter,
            "Lu" or "Uppercase_Letter" => Of(UnicodeCategory.UppercaseLetter),
            "Ll" or "Lowercase_Letter" => Of(UnicodeCategory.LowercaseLetter),
            "Lt" or "Titlecase_Letter" => Of(UnicodeCategory.TitlecaseLetter),
            "Lm" or "Modifier_Letter" => Of(UnicodeCategory.ModifierLetter),
            "Lo" or "Other_Letter" => Of(UnicodeCategory.OtherLetter),
            "M" or "Mark" or "Combining_Mark" => Of(UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark),
            "Mn" or "Nonspacing_Mark" => Of(UnicodeCategory.NonSpacingMark),
            "Mc" or "Spacing_Mark" => Of(UnicodeCategory.SpacingCombiningMark),
            "Me" or "Enclosing_Mark" => Of(UnicodeCategory.EnclosingMark),
            "N" or "Number" => IsNumber,
            "Nd" or "Decimal_Number" or "digit" => Of(UnicodeCategory.DecimalDigitNumber),
            "Nl" or "Letter_Number" => Of(UnicodeCategory.LetterNumber),
            "No" or "Other_Number" => Of(UnicodeCategory.OtherNumber),
            "P" or "Punctuation" => Of(UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation,
                UnicodeCategory.ClosePunctuation, UnicodeCategory.InitialQuotePunctuation, UnicodeCategory.FinalQuotePunctuation, UnicodeCategory.OtherPunctuation),
            "Pc" => Of(UnicodeCategory.ConnectorPunctuation),
            "Pd" => Of(UnicodeCategory.DashPunctuation),
            "Ps" => Of(UnicodeCategory.OpenPunctuation),
            "Pe" => Of(UnicodeCategory.ClosePunctuation),
            "Pi" => Of(UnicodeCategory.InitialQuotePunctuation),
            "Pf" => Of(UnicodeCategory.FinalQuotePunctuation),
            "Po" => Of(UnicodeCategory.OtherPunctuation),
            "S" or "Symbol" => Of(UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol, UnicodeCategory.OtherSymbol),
            "Sm" => Of(UnicodeCategory.MathSymbol),
            "Sc" => Of(UnicodeCategory.CurrencySymbol),
            "Sk" => Of(UnicodeCategory.ModifierSymbol),
            "So" => Of(UnicodeCategory.OtherSymbol),
            "Z" or "Separator" => Of(UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator),
            "Zs" => Of(UnicodeCategory.SpaceSeparator),
            "Zl" => Of(UnicodeCategory.LineSeparator),
            "Zp" => Of(UnicodeCategory.ParagraphSeparator),
            "C" or "Other" => Of(UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse, UnicodeCategory.OtherNotAssigned),
            "Cc" or "Control" => Of(UnicodeCategory.Control),
            "Cf" or "Format" => Of(UnicodeCategory.Format),
            "Co" => Of(UnicodeCategory.PrivateUse),
            "Cn" => Of(UnicodeCategory.OtherNotAssigned),
            "Cs" => Of(UnicodeCategory.Surrogate),
            _ => null,
        };
    }

    /// <summary>Simple case folding for (?i): ASCII plus the non-ASCII characters that fold onto ASCII letters (ſ, K, Å).</summary>
    public static int Fold(int cp)
    {
        if (cp < 128) return (uint)(cp - 'A') <= 'Z' - 'A' ? cp | 0x20 : cp;
        return cp switch
        {
            0x017F => 's',
            0x212A => 'k',
            0x212B => 0xE5,
            _ => Rune.IsValid(cp) ? Rune.ToLowerInvariant(new Rune(cp)).Value : cp,
        };
    }

    /// <summary>The code point at a UTF-16 index (a lone surrogate stands for itself).</summary>
    public static int CodePointAt(string s, int i) =>
        char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? char.ConvertToUtf32(s[i], s[i + 1]) : s[i];

    /// <summary>Decodes a UTF-16 string into code points; a lone surrogate stands for itself.</summary>
    public static int[] ToCodePoints(string text, out int[] charOffsets)
    {
        var cps = new int[text.Length];
        charOffsets = new int[text.Length + 1];
        int n = 0;
        for (int i = 0; i < text.Length; n++)
        {
            charOffsets[n] = i;
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cps[n] = char.ConvertToUtf32(c, text[i + 1]);
                i += 2;
            }
            else { cps[n] = c; i++; }
        }
        charOffsets[n] = text.Length;
        Array.Resize(ref cps, n);
        return cps;
    }
}
