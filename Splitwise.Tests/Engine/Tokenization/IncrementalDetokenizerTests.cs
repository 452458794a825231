using Splitwise.Engine.Tokenization;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Tokenization;

public class IncrementalDetokenizerTests
{
    public static TheoryData<string> Tokenizers => new() { "llama3", "qwen3", "spm-bpe-32k", "llama2-32k" };

    /// <summary>Every golden text, fed one token at a time and split at every position into two chunks.</summary>
    [Theory, MemberData(nameof(Tokenizers))]
    public void Increments_concatenate_to_the_full_decode_for_every_split(string name)
    {
        var tokenizer = SharedTokenizers.Get(name);
        foreach (var c in SharedTokenizers.Golden(name).GetProperty("cases").EnumerateArray())
        {
            var ids = SharedTokenizers.Ints(c.GetProperty("ids_with_special_tokens"));
            foreach (bool skip in new[] { false, true })
            {
                var full = tokenizer.Decode(ids, skip, cleanUpTokenizationSpaces: false);
                Assert.Equal(full, StreamOneByOne(tokenizer, ids, skip));
                for (int cut = 0; cut <= ids.Length; cut++)
                {
                    var d = tokenizer.CreateIncrementalDetokenizer(skip);
                    var text = d.Add(ids.AsSpan(0, cut)) + d.Add(ids.AsSpan(cut)) + d.Finish();
                    Assert.True(full == text, $"{name} '{c.GetProperty("text")}' cut at {cut}: '{text}' vs '{full}'");
                }
            }
        }
    }

    private static string StreamOneByOne(Tokenizer tokenizer, int[] ids, bool skip, List<string>? increments = null)
    {
        var d = tokenizer.CreateIncrementalDetokenizer(skip);
        var sb = new System.Text.StringBuilder();
        foreach (var id in ids)
        {
            var piece = d.Add(id);
            Assert.DoesNotContain('\uFFFD', piece);
            increments?.Add(piece);
            sb.Append(piece);
        }
        var rest = d.Finish();
        increments?.Add(rest);
        return sb.Append(rest).ToString();
    }

    [Fact]
    public void Multi_byte_characters_are_held_until_complete()
    {
        var tokenizer = SharedTokenizers.Get("llama3");
        var ids = tokenizer.Encode("emoji: 😀👍🏽🇺🇸", false);
        var increments = new List<string>();
        Assert.Equal("emoji: 😀👍🏽🇺🇸", StreamOneByOne(tokenizer, ids, false, increments));
        Assert.True(increments.Count(s => s.Length == 0) > 0, "byte-level pieces of an emoji should produce empty increments first");
    }

    [Fact]
    public void SentencePiece_leading_space_is_dropped_only_at_the_start()
    {
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        var ids = tokenizer.Encode("Once upon a time", addSpecialTokens: false);
        var increments = new List<string>();
        Assert.Equal("Once upon a time", StreamOneByOne(tokenizer, ids, false, increments));
        Assert.False(increments[0].StartsWith(' '), "the first token's ▁ must not become a leading space");
        Assert.Contains(increments, s => s.StartsWith(' '));
        var withBos = tokenizer.Encode("Once upon a time", addSpecialTokens: true);
        Assert.Equal("Once upon a time", StreamOneByOne(tokenizer, withBos, skip: true));
        Assert.Equal("<s> Once upon a time", StreamOneByOne(tokenizer, withBos, skip: false));
    }

    [Fact]
    public void Byte_fallback_runs_are_emitted_when_the_run_ends()
    {
        var tokenizer = Tokenizer.Load(SharedData.Stories260K);
        var ids = tokenizer.Encode("a café 🐱 b", addSpecialTokens: false);
        var increments = new List<string>();
        Assert.Equal("a café 🐱 b", StreamOneByOne(tokenizer, ids, false, increments));
        Assert.Contains(increments, s => s.Contains("🐱", StringComparison.Ordinal));
    }

    /// <summary>Random id sequences (invalid UTF-8, stray byte tokens, specials) still concatenate to the full decode.</summary>
    [Theory, MemberData(nameof(Tokenizers))]
    public void Random_id_sequences_concatenate_to_the_full_decode(string name)
    {
        var tokenizer = SharedTokenizers.Get(name);
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            var ids = new int[random.Next(0, 24)];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = random.Next(4) switch
                {
                    0 => random.Next(3, 259) % tokenizer.VocabSize,          // byte tokens in SentencePiece vocabularies
                    1 => random.Next(tokenizer.VocabSize),
                    2 => tokenizer.VocabSize - 1 - random.Next(30),          // added/special tokens at the top
                    _ => random.Next(128, 256),                                // byte-level single bytes
                };
            bool skip = trial % 2 == 0;
            var full = tokenizer.Decode(ids, skip, cleanUpTokenizationSpaces: false);
            var d = tokenizer.CreateIncrementalDetokenizer(skip);
            var sb = new System.Text.StringBuilder();
            foreach (var id in ids) sb.Append(d.Add(id));
            sb.Append(d.Finish());
            Assert.True(full == sb.ToString(), $"{name} trial {trial} ids [{string.Join(",", ids)}]");
        }
    }
}
