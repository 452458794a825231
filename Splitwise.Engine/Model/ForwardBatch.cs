namespace Splitwise.Engine.Model;

/// <summary>
/// Everything one forward pass needs, flattened token-major: prefill chunks and decode tokens of several sequences
/// side by side, each sequence at its own position. Built by the scheduler (or a test) and read by the forward pass;
/// there is no ambient state.
/// </summary>
public sealed class ForwardBatch
{
    public ForwardBatch(IReadOnlyList<BatchSequence> sequences)
    {
        if (sequences.Count == 0) throw new ArgumentException("A batch needs at least one sequence.", nameof(sequences));
        Sequences = sequences;
        TokenCount = sequences.Sum(s => s.Tokens.Length);
        TokenIds = new int[TokenCount];
        Positions = new int[TokenCount];
        SequenceIndex = new int[TokenCount];
        FirstToken = new int[sequences.Count];
        BlockTables = new int[sequences.Count][];
        var logitRows = new List<int>();
        int t = 0;
        for (int s = 0; s < sequences.Count; s++)
        {
            var seq = sequences[s];
            if (seq.Tokens.Length == 0) throw new ArgumentException($"Sequence {s} has no tokens to process.", nameof(sequences));
            if (seq.StartPosition < 0) throw new ArgumentException($"Sequence {s} starts at a negative position.", nameof(sequences));
            FirstToken[s] = t;
            BlockTables[s] = seq.BlockTable as int[] ?? seq.BlockTable.ToArray();
            for (int i = 0; i < seq.Tokens.Length; i++, t++)
            {
                TokenIds[t] = seq.Tokens[i];
                Positions[t] = seq.StartPosition + i;
                SequenceIndex[t] = s;
            }
            if (seq.WantsLogits) logitRows.Add(t - 1);
        }
        LogitTokens = logitRows.ToArray();
    }

    public IReadOnlyList<BatchSequence> Sequences { get; }
    public int TokenCount { get; }
    public int[] TokenIds { get; }
    public int[] Positions { get; }
    /// <summary>Which sequence each token belongs to.</summary>
    public int[] SequenceIndex { get; }
    /// <summary>Index of each sequence's first token in the flattened arrays.</summary>
    public int[] FirstToken { get; }
    public int[][] BlockTables { get; }
    /// <summary>Flattened indices of the tokens whose logits are returned, in sequence order.</summary>
    public int[] LogitTokens { get; }
}
