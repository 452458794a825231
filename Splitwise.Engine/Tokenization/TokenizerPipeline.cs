using Splitwise.Engine.Tokenization.Decoders;
using Splitwise.Engine.Tokenization.Models;
using Splitwise.Engine.Tokenization.Normalizers;
using Splitwise.Engine.Tokenization.PostProcessors;
using Splitwise.Engine.Tokenization.PreTokenizers;

namespace Splitwise.Engine.Tokenization;

/// <summary>The parts a tokenizer.json (or a GGUF vocabulary) describes, before tokenizer_config.json is applied.</summary>
internal sealed record TokenizerPipeline(
    Normalizer? Normalizer,
    PreTokenizer? PreTokenizer,
    TokenModel Model,
    PostProcessor? PostProcessor,
    Decoder? Decoder,
    IReadOnlyList<AddedToken> AddedTokens);
