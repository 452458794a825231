using Splitwise.Engine.Tokenization.Decoders;

namespace Splitwise.Engine.Tokenization;

/// <summary>Whether a decoder chain joins UTF-8 bytes across tokens (ByteLevel) or across runs of &lt;0xNN&gt; tokens (ByteFallback).</summary>
internal readonly record struct DecoderTraits(bool ByteLevel, bool ByteFallback)
{
    public static DecoderTraits Of(Decoder? decoder) => decoder switch
    {
        ByteLevelDecoder => new(true, false),
        ByteFallbackDecoder => new(false, true),
        SequenceDecoder s => s.Steps.Select(Of).Aggregate(new DecoderTraits(), (a, b) => new(a.ByteLevel || b.ByteLevel, a.ByteFallback || b.ByteFallback)),
        _ => default,
    };
}
