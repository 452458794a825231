using Splitwise.LoadTest.Workloads;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.LoadTest;

public class TraceReaderTests
{
    private const string Header = "TIMESTAMP,ContextTokens,GeneratedTokens";

    [Theory]
    [InlineData("\r\n", false)]
    [InlineData("\r\n", true)]
    [InlineData("\n", false)]
    [InlineData("\n", true)]
    public void Reads_crlf_and_lf_with_or_without_a_final_newline(string eol, bool finalNewline)
    {
        string text = string.Join(eol, Header, "2023-11-16 18:15:46.6805900,374,44", "2023-11-16 18:15:50.9951690,396,109", "2023-11-16 18:16:46.0000000,2,7")
            + (finalNewline ? eol : "");
        var rows = TraceReader.Read(new StringReader(text), "t.csv");
        Assert.Equal(3, rows.Count);
        Assert.Equal(new TraceRow(0, 374, 44), rows[0]);
        Assert.Equal(4.314579, rows[1].OffsetSeconds, 6);
        Assert.Equal(59.31941, rows[2].OffsetSeconds, 5);
        Assert.Equal(7, rows[2].GeneratedTokens);
    }

    [Fact]
    public void Reads_both_shared_azure_traces_completely()
    {
        var code = TraceReader.ReadFile(SharedData.Path("traces", "AzureLLMInferenceTrace_code.csv"));
        var conv = TraceReader.ReadFile(SharedData.Path("traces", "AzureLLMInferenceTrace_conv.csv"));
        Assert.Equal(8819, code.Count);
        Assert.Equal(19366, conv.Count);
        // The README: code 18:17:03 → 19:14:19, conv 18:15:46 → 19:14:08; last row of conv has 1000 output tokens at most.
        Assert.InRange(code[^1].OffsetSeconds, 57 * 60 - 5, 57 * 60 + 20);
        Assert.InRange(conv[^1].OffsetSeconds, 58 * 60 + 10, 58 * 60 + 30);
        Assert.Equal(1000, conv.Max(r => r.GeneratedTokens));
        Assert.Equal(7437, code.Max(r => r.ContextTokens));
        Assert.Equal(2048, code.Average(r => r.ContextTokens), 0);
    }

    [Theory]
    [InlineData("TIMESTAMP,Context,GeneratedTokens\n2023-11-16 18:15:46.6,1,2", "ContextTokens")]
    [InlineData(Header + "\n2023-11-16 18:15:46.6,1", "line 2")]
    [InlineData(Header + "\n2023-11-16 18:15:46.6,1,2\nyesterday,1,2", "line 3")]
    [InlineData(Header + "\n2023-11-16 18:15:46.6,-4,2", "ContextTokens")]
    [InlineData(Header, "no rows")]
    [InlineData("", "empty")]
    public void Bad_files_get_an_error_naming_the_place(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => TraceReader.Read(new StringReader(text), "bad.csv"));
        Assert.Contains("bad.csv", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
