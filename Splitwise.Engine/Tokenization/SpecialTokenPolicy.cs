using Splitwise.Engine.Tokenization.PostProcessors;

namespace Splitwise.Engine.Tokenization;

/// <summary>
/// Decides what Encode(addSpecialTokens: true) adds. tokenizer.json's post-processor, unless tokenizer_config.json
/// sets add_bos_token/add_eos_token for a Llama-family tokenizer class, which transformers then rebuilds from
/// those flags (LlamaTokenizerFast.update_post_processor). GGUF vocabularies always state the flags.
/// </summary>
internal static class SpecialTokenPolicy
{
    private static readonly string[] FlagDrivenClasses =
        ["LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast", "GGUF"];

    public static PostProcessor? Resolve(PostProcessor? fromJson, TokenizerSettings settings, int? bosId, int? eosId)
    {
        bool explicitFlags = settings.AddBosToken.HasValue || settings.AddEosToken.HasValue;
        if (!explicitFlags || !FlagDrivenClasses.Contains(settings.TokenizerClass ?? "")) return fromJson;
        var pieces = new List<TemplatePiece>();
        if (settings.AddBosToken == true)
        {
            if (bosId is null) throw new TokenizerFormatException("add_bos_token is true but the tokenizer has no BOS token");
            pieces.Add(new TemplatePiece([bosId.Value]));
        }
        pieces.Add(new TemplatePiece(null));
        if (settings.AddEosToken == true)
        {
            if (eosId is null) throw new TokenizerFormatException("add_eos_token is true but the tokenizer has no EOS token");
            pieces.Add(new TemplatePiece([eosId.Value]));
        }
        return new TemplateProcessor(pieces);
    }
}
