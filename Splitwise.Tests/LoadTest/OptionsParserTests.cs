using Splitwise.LoadTest.Cli;

namespace Splitwise.Tests.LoadTest;

public class OptionsParserTests
{
    [Fact]
    public void Parses_the_documented_flags()
    {
        var o = OptionsParser.Parse(["--base-url", "http://127.0.0.1:8000/v1/", "--model", "m", "--prompt-len", "uniform:10:20", "--output-len", "64",
            "--rate", "2.5", "--burstiness", "0.5", "--requests", "40", "--duration", "30", "--out", "o", "--goodput", "ttft:500,tpot:50",
            "--slo-ttft", "3,4,8", "--seed", "5", "--timeout=20", "--max-context", "4096"]);
        Assert.Equal("http://127.0.0.1:8000/v1", o.BaseUrl);
        Assert.Equal(2.5, o.Rate);
        Assert.Equal(0.5, o.Burstiness);
        Assert.Equal(40, o.Requests);
        Assert.Equal(20, o.TimeoutSeconds);
        Assert.Equal(500, o.Goodput["ttft"]);
        Assert.Equal([3.0, 4, 8], o.SloTtft);
        Assert.Equal(PromptFormat.TokenIds, o.PromptFormat);
        Assert.False(o.ClosedLoop);
    }

    [Theory]
    [InlineData("--prompt-len 8 --output-len 8", "arrival pattern")]
    [InlineData("--rate 1", "workload")]
    [InlineData("--prompt-len 8 --output-len 8 --rate 1 --sweep 1,2", "not both")]
    [InlineData("--prompt-len 8 --output-len 8 --rate -1", "--rate")]
    [InlineData("--prompt-len 8 --output-len 8 --rate 1 --bogus 3", "--bogus")]
    [InlineData("--prompt-len 8 --output-len 8 --rate 1 --chat --prompt-format token-ids", "token-ids")]
    [InlineData("--prompt-len 8 --output-len 8 --rate 1 --goodput latency:3", "--goodput")]
    [InlineData("--trace /nonexistent/trace.csv --rate 1", "/nonexistent/trace.csv")]
    public void Bad_command_lines_get_a_clear_error(string args, string expected)
    {
        var e = Assert.Throws<FormatException>(() => OptionsParser.Parse(["--base-url", "http://127.0.0.1:1/v1", .. args.Split(' ')]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Base_url_is_required()
    {
        var e = Assert.Throws<FormatException>(() => OptionsParser.Parse(["--prompt-len", "8", "--output-len", "8", "--rate", "1"]));
        Assert.Contains("--base-url", e.Message);
    }
}
