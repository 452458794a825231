using System.Buffers;
using System.Text;
using Splitwise.Engine.Tokenization.Models;
using Splitwise.Engine.Tokenization.Patterns;
using Splitwise.Engine.Tokenization.PreTokenizers;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// The hot path of byte-level BPE tokenizers (GPT-2, Llama 3, Qwen): split with a hand-written scanner, spell each
/// piece in the byte-level alphabet on the stack, and look the piece up in the BPE cache, without allocating
/// per piece. Produces exactly what the general pipeline (Split + ByteLevel + BPE) produces.
/// </summary>
internal sealed class ByteLevelBpeEncoder(TiktokenStylePattern pattern, BpeModel model)
{
    private const int StackChars = 256;

    /// <summary>The fast path for a pipeline shaped like Llama 3's or GPT-2's, or null.</summary>
    public static ByteLevelBpeEncoder? TryCreate(PreTokenizer? pre, TokenModel model)
    {
        if (model is not BpeModel bpe) return null;
        TiktokenStylePattern? scanner = pre switch
        {
            SequencePreTokenizer { Steps: [SplitPreTokenizer { Pattern: TiktokenStylePattern p, Behavior: SplitBehavior.Isolated, Invert: false },
                ByteLevelPreTokenizer { AddPrefixSpace: false, UseRegex: false }] } => p,
            ByteLevelPreTokenizer { AddPrefixSpace: false, UseRegex: true } => (TiktokenStylePattern)SplitPattern.Regex(TiktokenStylePattern.Gpt2),
            _ => null,
        };
        return scanner is null ? null : new ByteLevelBpeEncoder(scanner, bpe);
    }

    public void Encode(string text, List<int> ids)
    {
        Span<char> stack = stackalloc char[StackChars];
        var map = ByteLevelAlphabet.ByteToChar;
        int i = 0;
        while (i < text.Length)
        {
            int end = pattern.NextEnd(text, i);
            var piece = text.AsSpan(i, end - i);
            i = end;
            int maxChars = piece.Length * 3;
            char[]? rented = maxChars > StackChars ? ArrayPool<char>.Shared.Rent(maxChars) : null;
            Span<char> spelled = rented ?? stack;
            int n = 0;
            bool ascii = true;
            foreach (char c in piece)
            {
                if (c >= 128) { ascii = false; break; }
                spelled[n++] = map[c];
            }
            if (!ascii) n = SpellUtf8(piece, spelled, map);
            model.EncodeSpan(spelled[..n], ids);
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static int SpellUtf8(ReadOnlySpan<char> piece, Span<char> output, char[] map)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(piece.Length * 3);
        int n = Encoding.UTF8.GetBytes(piece, bytes);
        for (int k = 0; k < n; k++) output[k] = map[bytes[k]];
        ArrayPool<byte>.Shared.Return(bytes);
        return n;
    }
}
