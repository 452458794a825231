using System.Collections.Concurrent;
using System.Text.Json;
using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>The shared tokenizers and their golden.json cases, each loaded once per test run.</summary>
public static class SharedTokenizers
{
    public static readonly string[] Names = ["llama3", "qwen3", "spm-bpe-32k", "llama2-32k"];

    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();
    private static readonly ConcurrentDictionary<string, Lazy<JsonElement>> Goldens = new();

    public static Tokenizer Get(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<Tokenizer>(() => Tokenizer.Load(SharedData.Path("tokenizers", n)))).Value;

    public static JsonElement Golden(string name) =>
        Goldens.GetOrAdd(name, n => new Lazy<JsonElement>(() =>
            JsonDocument.Parse(File.ReadAllText(SharedData.Path("tokenizers", n, "golden.json"))).RootElement.Clone())).Value;

    public static JsonElement Case(string name, int index) => Golden(name).GetProperty("cases")[index];

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Rows (tokenizer, case index, text) so a failure names the case.</summary>
    public static TheoryData<string, int, string> AllCases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var name in Names)
        {
            int i = 0;
            foreach (var c in Golden(name).GetProperty("cases").EnumerateArray())
                data.Add(name, i++, c.GetProperty("text").GetString()!);
        }
        return data;
    }
}
