namespace Splitwise.Engine.Sampling;

/// <summary>How to pick each next token and when to stop. Defaults are the OpenAI API's.</summary>
public sealed record SamplingParams
{
    /// <summary>0 means greedy (argmax, lowest id on ties). Default 1.</summary>
    public float Temperature { get; init; } = 1f;
    /// <summary>Keep only the k most likely tokens; 0 or less = off.</summary>
    public int TopK { get; init; }
    /// <summary>Nucleus sampling: the smallest set whose probability reaches p. 1 = off.</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>Drop tokens whose probability is below MinP × the top probability. 0 = off.</summary>
    public float MinP { get; init; }
    /// <summary>OpenAI semantics: logit −= count(token in output) × penalty. Range [−2, 2].</summary>
    public float FrequencyPenalty { get; init; }
    /// <summary>OpenAI semantics: logit −= penalty if the token occurs in the output. Range [−2, 2].</summary>
    public float PresencePenalty { get; init; }
    /// <summary>Hugging Face semantics over prompt and output tokens: positive logits ÷ p, negative × p. 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;
    /// <summary>Makes a sampled run repeatable; null = a fresh random seed.</summary>
    public long? Seed { get; init; }
    /// <summary>Generation stops after producing one of these (in addition to the model's EOS unless IgnoreEos).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    public bool IgnoreEos { get; init; }
    /// <summary>EOS and stop tokens are suppressed until this many tokens have been generated.</summary>
    public int MinTokens { get; init; }
    public int MaxTokens { get; init; } = 16;
    /// <summary>Return the log-probability of the chosen token and of this many top alternatives; null = none.</summary>
    public int? Logprobs { get; init; }

    public bool IsGreedy => Temperature < 1e-5f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first parameter out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} {rule}", name);
        }
        Check(float.IsFinite(Temperature) && Temperature >= 0 && Temperature <= 100, "temperature", "must be between 0 and 100");
        Check(float.IsFinite(TopP) && TopP > 0 && TopP <= 1, "top_p", "must be in (0, 1]");
        Check(float.IsFinite(MinP) && MinP >= 0 && MinP <= 1, "min_p", "must be in [0, 1]");
        Check(float.IsFinite(FrequencyPenalty) && FrequencyPenalty >= -2 && FrequencyPenalty <= 2, "frequency_penalty", "must be in [-2, 2]");
        Check(float.IsFinite(PresencePenalty) && PresencePenalty >= -2 && PresencePenalty <= 2, "presence_penalty", "must be in [-2, 2]");
        Check(float.IsFinite(RepetitionPenalty) && RepetitionPenalty > 0 && RepetitionPenalty <= 10, "repetition_penalty", "must be in (0, 10]");
        Check(MaxTokens >= 1, "max_tokens", "must be at least 1");
        Check(MinTokens >= 0 && MinTokens <= MaxTokens, "min_tokens", "must be between 0 and max_tokens");
        Check(Logprobs is null || (Logprobs >= 0 && Logprobs <= 20), "top_logprobs", "must be between 0 and 20");
    }
}
