namespace Splitwise.Engine.Tokenization.PostProcessors;

/// <summary>One element of a single-sequence template: special-token ids, or the sequence itself (null).</summary>
internal sealed record TemplatePiece(int[]? SpecialIds);

/// <summary>TemplateProcessing's "single" template, e.g. [&lt;s&gt;, $A] or [$A, &lt;/s&gt;].</summary>
internal sealed class TemplateProcessor(IReadOnlyList<TemplatePiece> single) : PostProcessor
{
    public IReadOnlyList<TemplatePiece> Single => single;

    public override List<int> Process(List<int> ids)
    {
        var output = new List<int>(ids.Count + 4);
        foreach (var p in single)
            if (p.SpecialIds is null) output.AddRange(ids);
            else output.AddRange(p.SpecialIds);
        return output;
    }
}
