namespace Splitwise.Engine.Tokenization.Models;

/// <summary>Turns one pre-token into ids, and knows the vocabulary (tokenizer.json "model").</summary>
internal abstract class TokenModel
{
    public abstract void Encode(string piece, List<int> ids);
    public abstract string? IdToToken(int id);
    public abstract int? TokenToId(string token);
    /// <summary>One more than the largest id.</summary>
    public abstract int VocabSize { get; }
}
