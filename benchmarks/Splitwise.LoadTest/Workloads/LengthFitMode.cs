namespace Splitwise.LoadTest.Workloads;

/// <summary>How a request longer than the target's context is made to fit.</summary>
public enum LengthFitMode
{
    /// <summary>Keep the output length and shorten the prompt; if the output alone is too long, cut it too.</summary>
    Clip,

    /// <summary>Shrink prompt and output by the same factor, keeping their ratio.</summary>
    Scale,
}
