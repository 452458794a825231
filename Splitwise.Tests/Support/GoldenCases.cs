using System.Text.Json;

namespace Splitwise.Tests.Support;

/// <summary>A reference greedy continuation from a golden*.json file.</summary>
public sealed record GoldenCase(string Name, string Prompt, int[] PromptIds, int[] GreedyIds, string ContinuationText, float[] GreedyMargins,
                                (int Id, float Logit)[] Top5Logits)
{
    public override string ToString() => Name;
}

/// <summary>Reads the golden files of ../shared/models: one theory row per prompt, so a failure names it.</summary>
public static class GoldenCases
{
    public static IReadOnlyList<GoldenCase> Load(string goldenPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(goldenPath));
        var cases = new List<GoldenCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int[] Ints(string name) => c.GetProperty(name).EnumerateArray().Select(x => x.GetInt32()).ToArray();
            float[] margins = c.TryGetProperty("greedy_margins", out var m) ? m.EnumerateArray().Select(x => x.GetSingle()).ToArray() : [];
            var top5 = c.GetProperty("top5_logits").EnumerateArray().Select(x => (x.GetProperty("id").GetInt32(), x.GetProperty("logit").GetSingle())).ToArray();
            cases.Add(new GoldenCase(c.GetProperty("name").GetString()!, c.GetProperty("prompt").GetString()!, Ints("prompt_ids"),
                Ints("greedy_ids"), c.GetProperty("continuation_text").GetString()!, margins, top5));
        }
        return cases;
    }

    /// <summary>Every (model file, golden file) pair whose outputs must match exactly at fp32 compute.</summary>
    public static IEnumerable<(string Model, string Golden)> ExactPairs()
    {
        var root = SharedData.Stories260K;
        yield return (root, Path.Combine(root, "golden.json"));
        yield return (Path.Combine(root, "gguf", "stories260k-f32.gguf"), Path.Combine(root, "golden.json"));
        yield return (Path.Combine(root, "gguf", "stories260k-f16.gguf"), Path.Combine(root, "gguf", "golden-f16.json"));
        yield return (Path.Combine(root, "llama2c", "stories260K.bin"), Path.Combine(root, "golden.json"));
    }
}
