namespace Splitwise.Engine.Tokenization.Decoders;

/// <summary>
/// Turns token strings back into text pieces (tokenizer.json "decoder"); the pieces are concatenated at the end.
/// Each step maps a list of strings to a list of strings, as Hugging Face's decode_chain does.
/// </summary>
internal abstract class Decoder
{
    public abstract List<string> DecodeChain(List<string> tokens);
}
