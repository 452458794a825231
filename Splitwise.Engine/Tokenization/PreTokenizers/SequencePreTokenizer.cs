namespace Splitwise.Engine.Tokenization.PreTokenizers;

/// <summary>Each pre-tokenizer splits every piece the previous one produced.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public IReadOnlyList<PreTokenizer> Steps => steps;

    public override void PreTokenize(string text, bool atTextStart, List<string> pieces)
    {
        if (steps.Count == 0) { pieces.Add(text); return; }
        var current = new List<string>();
        steps[0].PreTokenize(text, atTextStart, current);
        for (int s = 1; s < steps.Count; s++)
        {
            var next = new List<string>(current.Count);
            for (int i = 0; i < current.Count; i++) steps[s].PreTokenize(current[i], atTextStart && i == 0, next);
            current = next;
        }
        pieces.AddRange(current);
    }
}
