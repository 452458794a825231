using Splitwise.LoadTest.Cli;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.Tests.LoadTest;

public class WorkloadTests
{
    [Fact]
    public void Length_specs_parse_and_sample_within_their_ranges()
    {
        var rng = new Random(1);
        Assert.Equal(128, LengthSpec.Parse("128", "--prompt-len").Sample(rng));
        Assert.Equal(7, LengthSpec.Parse("fixed:7", "--prompt-len").Sample(rng));
        var uniform = LengthSpec.Parse("uniform:10:20", "--prompt-len");
        var u = Enumerable.Range(0, 2000).Select(_ => uniform.Sample(rng)).ToList();
        Assert.Equal(10, u.Min());
        Assert.Equal(20, u.Max());
        var logn = LengthSpec.Parse("lognormal:200:0.5", "--output-len");
        var l = Enumerable.Range(0, 20001).Select(_ => logn.Sample(rng)).Order().ToList();
        Assert.InRange(l[10000], 190, 210);
    }

    [Theory]
    [InlineData("uniform:5")]
    [InlineData("uniform:9:3")]
    [InlineData("gauss:1:2")]
    [InlineData("0")]
    [InlineData("lognormal:100:-1")]
    public void Bad_length_specs_name_the_flag(string spec)
    {
        var e = Assert.Throws<FormatException>(() => LengthSpec.Parse(spec, "--prompt-len"));
        Assert.StartsWith("--prompt-len", e.Message);
    }

    [Fact]
    public void Clipping_keeps_the_output_and_shortens_the_prompt()
    {
        var (fitted, n) = ContextFitter.Fit([new(0, 900, 200, null), new(1, 100, 100, null), new(2, 50, 5000, null)], 1024, LengthFitMode.Clip);
        Assert.Equal(2, n);
        Assert.Equal((824, 200), (fitted[0].PromptTokens, fitted[0].OutputTokens));
        Assert.Equal((100, 100), (fitted[1].PromptTokens, fitted[1].OutputTokens));
        Assert.Equal((1, 1023), (fitted[2].PromptTokens, fitted[2].OutputTokens));
    }

    [Fact]
    public void Scaling_keeps_the_ratio_and_fits()
    {
        var (fitted, n) = ContextFitter.Fit([new(0, 3000, 1000, null)], 1000, LengthFitMode.Scale);
        Assert.Equal(1, n);
        Assert.Equal((750, 250), (fitted[0].PromptTokens, fitted[0].OutputTokens));
    }

    private static LoadTestOptions Options(params string[] extra) =>
        OptionsParser.Parse(["--base-url", "http://127.0.0.1:1/v1", .. extra]);

    [Fact]
    public void Trace_window_replays_original_timestamps_time_scaled()
    {
        var trace = new List<TraceRow> { new(0, 10, 1), new(5, 20, 2), new(10, 30, 3), new(20, 40, 4) };
        string path = Path.GetTempFileName();
        try
        {
            var o = Options("--trace", path, "--window", "4:15", "--time-scale", "2", "--requests", "10");
            var w = WorkloadBuilder.Build(o, null, trace, null);
            Assert.Equal([0.5, 3.0], w.Requests.Select(r => r.ArrivalSeconds!.Value));
            Assert.Equal([20, 30], w.Requests.Select(r => r.PromptTokens));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Trace_poisson_mode_samples_rows_and_draws_arrivals()
    {
        var trace = Enumerable.Range(0, 50).Select(i => new TraceRow(i, 100 + i, 1 + i)).ToList();
        string path = Path.GetTempFileName();
        try
        {
            var o = Options("--trace", path, "--rate", "4", "--requests", "200");
            Assert.Equal(TraceReplayMode.Poisson, o.TraceMode);
            var w = WorkloadBuilder.Build(o, 4, trace, 120);
            Assert.Equal(200, w.Requests.Count);
            Assert.Equal(50.0, w.Requests[^1].ArrivalSeconds!.Value, 9);
            Assert.All(w.Requests, r => Assert.True(r.PromptTokens + r.OutputTokens <= 120));
            Assert.True(w.LengthsAdjusted > 0);
            Assert.Contains("changed", w.Description);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Synthetic_closed_loop_has_no_arrival_times()
    {
        var o = Options("--prompt-len", "32", "--output-len", "uniform:4:8", "--concurrency", "3", "--requests", "12");
        Assert.True(o.ClosedLoop);
        var w = WorkloadBuilder.Build(o, null, null, null);
        Assert.Equal(12, w.Requests.Count);
        Assert.All(w.Requests, r => Assert.Null(r.ArrivalSeconds));
        Assert.All(w.Requests, r => Assert.InRange(r.OutputTokens, 4, 8));
    }
}
