using Spectre.Console;
using Splitwise.LoadTest.Cli;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Comparing;
using Splitwise.LoadTest.Running;

if (args.Length > 0 && args[0] == "compare") return CompareCommand.Run(args[1..], Console.Out, Console.Error);

if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(UsageText.Text);
    return args.Length == 0 ? 2 : 0;
}

LoadTestOptions options;
try
{
    options = OptionsParser.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

// First Ctrl-C stops the run and still writes the report; a second one ends the process at once.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return;
    e.Cancel = true;
    stop.Cancel();
};

using var http = OpenAiStreamClient.CreateHttpClient();
string commandLine = "dotnet run --project benchmarks/Splitwise.LoadTest -c Release -- " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
try
{
    return await new LoadTestApp(options, AnsiConsole.Console, commandLine).RunAsync(http, stop.Token);
}
catch (Exception e) when (e is FormatException or FileNotFoundException or HttpRequestException or OperationCanceledException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
