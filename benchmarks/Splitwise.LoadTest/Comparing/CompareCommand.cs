namespace Splitwise.LoadTest.Comparing;

/// <summary>The `compare` verb: parse, write the files, print the table. Exit code 0, or 2 with a message on bad input.</summary>
public static class CompareCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count == 0 || args.Contains("--help") || args.Contains("-h"))
        {
            output.WriteLine(CompareOptionsParser.Usage);
            return args.Count == 0 ? 2 : 0;
        }
        try
        {
            var o = CompareOptionsParser.Parse(args);
            var (rows, files) = ComparisonFiles.Write(o);
            output.WriteLine($"{"metric",-12} {"statistic",-22} {o.LabelA,12} {o.LabelB,12} {o.LabelB + "/" + o.LabelA,12}");
            foreach (var r in rows)
                output.WriteLine($"{r.Metric,-12} {r.Statistic,-22} {ComparisonMarkdown.F(r.A),12} {ComparisonMarkdown.F(r.B),12} {ComparisonMarkdown.X(r.Ratio),12}");
            output.WriteLine($"Wrote {string.Join(", ", files)}");
            return 0;
        }
        catch (FormatException e)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
