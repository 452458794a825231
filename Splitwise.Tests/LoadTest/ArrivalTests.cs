using Splitwise.LoadTest.Arrivals;

namespace Splitwise.Tests.LoadTest;

public class ArrivalTests
{
    private static double[] Gaps(double[] times) => times.Select((t, i) => i == 0 ? t : t - times[i - 1]).ToArray();

    private static (double Mean, double Cv) MeanCv(double[] gaps)
    {
        double mean = gaps.Average();
        double sd = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / (gaps.Length - 1));
        return (mean, sd / mean);
    }

    [Fact]
    public void Poisson_gaps_pass_a_kolmogorov_smirnov_test_against_the_exponential()
    {
        const double rate = 10;
        var gaps = Gaps(GammaArrivals.Generate(20000, rate, 1.0, new Random(42), rescaleToTarget: false)).Order().ToArray();
        double d = 0;
        for (int i = 0; i < gaps.Length; i++)
        {
            double cdf = 1 - Math.Exp(-rate * gaps[i]);
            d = Math.Max(d, Math.Max((i + 1.0) / gaps.Length - cdf, cdf - (double)i / gaps.Length));
        }
        // 1% critical value of the one-sample KS statistic.
        Assert.True(d < 1.63 / Math.Sqrt(gaps.Length), $"KS D = {d:0.0000}");
        // And the test has power: the same gaps against a 20% faster rate are rejected.
        double dWrong = gaps.Select((g, i) => Math.Abs((i + 1.0) / gaps.Length - (1 - Math.Exp(-12 * g)))).Max();
        Assert.True(dWrong > 1.63 / Math.Sqrt(gaps.Length));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.25, 2.0)]
    [InlineData(4.0, 0.5)]
    public void Burstiness_keeps_the_mean_gap_and_sets_the_coefficient_of_variation(double burstiness, double expectedCv)
    {
        const double rate = 5;
        var (mean, cv) = MeanCv(Gaps(GammaArrivals.Generate(20000, rate, burstiness, new Random(7), rescaleToTarget: false)));
        Assert.InRange(mean, 0.2 * 0.96, 0.2 * 1.04);
        Assert.InRange(cv, expectedCv * 0.95, expectedCv * 1.05);
    }

    [Fact]
    public void Rescaling_puts_the_last_arrival_at_n_over_rate_and_keeps_order()
    {
        var times = GammaArrivals.Generate(500, 8, 0.5, new Random(3));
        Assert.Equal(500 / 8.0, times[^1], 9);
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First <= p.Second));
        Assert.True(times[0] > 0);
    }

    [Fact]
    public void The_same_seed_gives_the_same_arrivals()
    {
        Assert.Equal(GammaArrivals.Generate(50, 3, 2, new Random(9)), GammaArrivals.Generate(50, 3, 2, new Random(9)));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void Gamma_sampler_has_the_right_mean_and_variance(double shape)
    {
        var rng = new Random(11);
        var x = Enumerable.Range(0, 40000).Select(_ => GammaSampler.Sample(rng, shape, 2.0)).ToArray();
        double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
        Assert.InRange(mean, shape * 2 * 0.97, shape * 2 * 1.03);
        Assert.InRange(variance, shape * 4 * 0.92, shape * 4 * 1.08);
    }

    [Fact]
    public void Bad_rates_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaArrivals.Generate(5, 0, 1, new Random(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaArrivals.Generate(5, 1, -1, new Random(0)));
    }
}
