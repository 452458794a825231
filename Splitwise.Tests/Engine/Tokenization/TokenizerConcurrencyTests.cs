namespace Splitwise.Tests.Engine.Tokenization;

public class TokenizerConcurrencyTests
{
    /// <summary>One tokenizer serves many requests at once: parallel encodes (sharing the pre-token cache) give the serial result.</summary>
    [Theory]
    [InlineData("llama3")]
    [InlineData("spm-bpe-32k")]
    public void Parallel_encodes_match_serial_encodes(string name)
    {
        var tokenizer = SharedTokenizers.Get(name);
        var texts = SharedTokenizers.Golden(name).GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("text").GetString()!).ToArray();
        var expected = texts.Select(t => tokenizer.Encode(t, true)).ToArray();
        var failures = 0;
        Parallel.For(0, texts.Length * 20, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int k = i % texts.Length;
            if (!expected[k].SequenceEqual(tokenizer.Encode(texts[k], true))) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }
}
