using System.Diagnostics;
using System.Text.Json;
using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Tokenization;
using Splitwise.Silo.Cli;

namespace Splitwise.Silo.Commands;

/// <summary>`generate`: one prompt through the engine, printed as text or as {"prompt_ids","ids","text"}.</summary>
public static class GenerateCommand
{
    public static int Run(CliArgs options)
    {
        string modelSpec = options.Required("model");
        string? promptText = options.String("prompt");
        int[]? promptIds = options.IntList("prompt-ids");
        var sampling = new SamplingParams
        {
            MaxTokens = options.Int("max-tokens", 64),
            Temperature = options.Float("temperature", 0f),
            TopK = options.Int("top-k", 0),
            TopP = options.Float("top-p", 1f),
            MinP = options.Float("min-p", 0f),
            RepetitionPenalty = options.Float("repetition-penalty", 1f),
            Seed = options.Long("seed"),
            IgnoreEos = options.Flag("ignore-eos"),
        };
        var kvType = KvCacheDtypeOption.Parse(options);
        bool json = options.Flag("json");
        string? tokenizerPath = options.String("tokenizer");
        options.RejectUnknown();
        if ((promptText is null) == (promptIds is null)) throw new CliException("give exactly one of --prompt or --prompt-ids");
        try { sampling.Validate(); }
        catch (ArgumentException e) { throw new CliException(e.Message); }

        using var weights = LoadModel(modelSpec);
        var (tokenizer, tokenizerProblem) = TryLoadTokenizer(tokenizerPath ?? (modelSpec.StartsWith("synthetic:", StringComparison.Ordinal) ? null : modelSpec));
        if (tokenizerPath != null && tokenizer is null) throw new CliException(tokenizerProblem!);
        if (promptText != null)
        {
            if (tokenizer is null) throw new CliException($"--prompt needs a tokenizer ({tokenizerProblem ?? "a synthetic model has none"}); pass --tokenizer PATH or use --prompt-ids");
            promptIds = tokenizer.Encode(promptText, addSpecialTokens: true);
        }

        using var engine = new LlmEngine(weights, new EngineOptions { KvDataType = kvType });
        var clock = Stopwatch.StartNew();
        Splitwise.Engine.Scheduling.Sequence seq;
        try { seq = engine.Generate(promptIds!, sampling); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        clock.Stop();

        string text = tokenizer?.Decode(seq.Output.ToArray()) ?? "";
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { prompt_ids = promptIds, ids = seq.Output, text }));
        }
        else
        {
            Console.WriteLine(tokenizer is null ? string.Join(",", seq.Output) : text);
            Console.Error.WriteLine($"{seq.Output.Count} tokens in {clock.Elapsed.TotalSeconds:F2} s ({seq.Output.Count / clock.Elapsed.TotalSeconds:F1} tok/s), finish: {seq.FinishReason}");
        }
        return 0;
    }

    private static Splitwise.Engine.Model.LlamaWeights LoadModel(string spec)
    {
        try { return ModelLoader.Load(spec); }
        catch (ModelFileException e) { throw new CliException(e.Message); }
    }

    /// <summary>A model without a tokenizer can still run from token ids, so a missing one is reported, not fatal.</summary>
    private static (Tokenizer?, string?) TryLoadTokenizer(string? path)
    {
        if (path is null) return (null, null);
        try { return (Tokenizer.Load(path), null); }
        catch (Exception e) when (e is IOException or TokenizerFormatException or NotSupportedException or Splitwise.Engine.Loading.ModelFileException)
        {
            return (null, e.Message);
        }
    }
}
