using System.Globalization;

namespace Splitwise.LoadTest.Workloads;

/// <summary>
/// A distribution of token counts, parsed from the command line:
/// <c>N</c> or <c>fixed:N</c>; <c>uniform:MIN:MAX</c> (inclusive); <c>lognormal:MEDIAN:SIGMA</c> (SIGMA of ln length).
/// Samples are at least 1.
/// </summary>
public sealed record LengthSpec(LengthDistribution Distribution, double A, double B)
{
    public static LengthSpec Fixed(int n) => new(LengthDistribution.Fixed, n, n);

    public int Sample(Random rng)
    {
        double v = Distribution switch
        {
            LengthDistribution.Fixed => A,
            LengthDistribution.Uniform => A + rng.NextInt64((long)B - (long)A + 1),
            LengthDistribution.LogNormal => A * Math.Exp(B * StandardNormal(rng)),
            _ => throw new InvalidOperationException($"Unknown distribution {Distribution}."),
        };
        return (int)Math.Max(1, Math.Min(int.MaxValue / 4, Math.Round(v)));
    }

    /// <summary>Parses a spec; <paramref name="flag"/> names the option in the error message.</summary>
    public static LengthSpec Parse(string text, string flag)
    {
        var parts = text.Trim().Split(':');
        string kind = parts.Length == 1 ? "fixed" : parts[0].ToLowerInvariant();
        string[] args = parts.Length == 1 ? parts : parts[1..];
        double Num(int i)
        {
            if (i >= args.Length || !double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new FormatException($"{flag} '{text}': expected a number at position {i + 1}. Forms: N, fixed:N, uniform:MIN:MAX, lognormal:MEDIAN:SIGMA.");
            return v;
        }
        void Arity(int n)
        {
            if (args.Length != n) throw new FormatException($"{flag} '{text}': '{kind}' takes {n} number(s), got {args.Length}.");
        }
        switch (kind)
        {
            case "fixed":
                Arity(1);
                double n = Num(0);
                if (n < 1 || n != Math.Floor(n)) throw new FormatException($"{flag} '{text}': length must be a whole number >= 1.");
                return new LengthSpec(LengthDistribution.Fixed, n, n);
            case "uniform":
                Arity(2);
                double lo = Num(0), hi = Num(1);
                if (lo < 1 || hi < lo || lo != Math.Floor(lo) || hi != Math.Floor(hi))
                    throw new FormatException($"{flag} '{text}': need whole numbers 1 <= MIN <= MAX.");
                return new LengthSpec(LengthDistribution.Uniform, lo, hi);
            case "lognormal":
                Arity(2);
                double median = Num(0), sigma = Num(1);
                if (median < 1 || sigma < 0) throw new FormatException($"{flag} '{text}': need MEDIAN >= 1 and SIGMA >= 0.");
                return new LengthSpec(LengthDistribution.LogNormal, median, sigma);
            default:
                throw new FormatException($"{flag} '{text}': unknown distribution '{kind}'. Forms: N, fixed:N, uniform:MIN:MAX, lognormal:MEDIAN:SIGMA.");
        }
    }

    public override string ToString() => Distribution switch
    {
        LengthDistribution.Fixed => $"fixed:{A:0}",
        LengthDistribution.Uniform => $"uniform:{A:0}:{B:0}",
        _ => string.Create(CultureInfo.InvariantCulture, $"lognormal:{A:0.##}:{B:0.###}"),
    };

    /// <summary>Box–Muller; one draw per call keeps the sequence reproducible for a seed.</summary>
    internal static double StandardNormal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
