using System.Globalization;

namespace Splitwise.LoadTest.Comparing;

/// <summary>Parses the Prometheus text format (version 0.0.4): comments and blank lines skipped, optional timestamps ignored.</summary>
public static class PrometheusText
{
    public static List<PrometheusSample> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FormatException($"{path}: no such file (expected Prometheus text scraped from /metrics).");
        return Parse(File.ReadAllText(path), path);
    }

    public static List<PrometheusSample> Parse(string text, string source)
    {
        var samples = new List<PrometheusSample>();
        int lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            samples.Add(ParseLine(line, $"{source}:{lineNumber}"));
        }
        return samples;
    }

    private static PrometheusSample ParseLine(string line, string where)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ' && line[i] != '\t') i++;
        string name = line[..i];
        if (name.Length == 0) throw new FormatException($"{where}: no metric name in '{line}'.");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && (line[i] == ' ' || line[i] == ',')) i++;
                if (i >= line.Length) throw new FormatException($"{where}: unterminated label set in '{line}'.");
                if (line[i] == '}') { i++; break; }
                int eq = line.IndexOf('=', i);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"') throw new FormatException($"{where}: a label needs name=\"value\" in '{line}'.");
                string key = line[i..eq].Trim();
                var value = new System.Text.StringBuilder();
                i = eq + 2;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        i++;
                        value.Append(line[i] == 'n' ? '\n' : line[i]);
                    }
                    else value.Append(line[i]);
                    i++;
                }
                if (i >= line.Length) throw new FormatException($"{where}: unterminated label value in '{line}'.");
                i++;
                labels[key] = value.ToString();
            }
        }
        var rest = line[i..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length == 0) throw new FormatException($"{where}: no value in '{line}'.");
        double v = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new FormatException($"{where}: value '{s}' is not a number."),
        };
        return new PrometheusSample(name, labels, v);
    }
}
