namespace Splitwise.Engine.Tokenization.PostProcessors;

/// <summary>Post-processors that change offsets only (ByteLevel), so ids pass through.</summary>
internal sealed class IdentityProcessor : PostProcessor
{
    public override List<int> Process(List<int> ids) => ids;
}
