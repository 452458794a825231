namespace Splitwise.Silo.Wire;

/// <summary>
/// The few numbers that tell whether two processes run the same model: a gateway refuses a silo whose shape differs,
/// since KV and token ids would not mean the same on both.
/// </summary>
public sealed record ModelShape(int LayerCount, int HiddenSize, int KvHeadCount, int HeadDim, int VocabSize, int MaxModelLength)
{
    public static ModelShape Of(Engine.Config.ModelConfig config, int maxModelLength)
        => new(config.LayerCount, config.HiddenSize, config.KvHeadCount, config.HeadDim, config.VocabSize, maxModelLength);

    /// <summary>Null when <paramref name="other"/> runs the same model as this; otherwise what differs.</summary>
    public string? Difference(ModelShape other)
    {
        var diffs = new List<string>();
        void Check(string name, int mine, int theirs)
        {
            if (mine != theirs) diffs.Add($"{name} {theirs} (expected {mine})");
        }
        Check("layers", LayerCount, other.LayerCount);
        Check("hidden size", HiddenSize, other.HiddenSize);
        Check("KV heads", KvHeadCount, other.KvHeadCount);
        Check("head dim", HeadDim, other.HeadDim);
        Check("vocabulary", VocabSize, other.VocabSize);
        return diffs.Count == 0 ? null : string.Join(", ", diffs);
    }
}
