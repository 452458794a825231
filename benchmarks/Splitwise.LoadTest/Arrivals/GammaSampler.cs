namespace Splitwise.LoadTest.Arrivals;

/// <summary>Gamma(shape k, scale θ) draws by Marsaglia and Tsang's squeeze method; shape &lt; 1 uses the U^(1/k) boost.</summary>
public static class GammaSampler
{
    public static double Sample(Random rng, double shape, double scale)
    {
        if (!(shape > 0) || !(scale > 0)) throw new ArgumentOutOfRangeException(nameof(shape), "Gamma shape and scale must be > 0.");
        if (shape < 1)
        {
            double u = 1.0 - rng.NextDouble();
            return Sample(rng, shape + 1, scale) * Math.Pow(u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Workloads.LengthSpec.StandardNormal(rng);
                v = 1.0 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v * scale;
        }
    }
}
