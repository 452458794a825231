namespace Splitwise.Engine.Tokenization.PostProcessors;

internal sealed class SequenceProcessor(IReadOnlyList<PostProcessor> steps) : PostProcessor
{
    public override List<int> Process(List<int> ids)
    {
        foreach (var p in steps) ids = p.Process(ids);
        return ids;
    }
}
