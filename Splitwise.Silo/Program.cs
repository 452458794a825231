using Splitwise.Silo.Cli;
using Splitwise.Silo.Commands;

namespace Splitwise.Silo;

/// <summary>
/// Verbs: generate (engine), tokenize/detokenize/chat-template (tokenizer), serve (a machine process). A named class
/// rather than top-level statements: those would make ASP.NET Core generate a public global Program that clashes
/// with the gateway's in the tests.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: Splitwise.Silo <generate|serve|tokenize|detokenize|chat-template> [options]";

    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        try
        {
            var options = new CliArgs(args.Skip(1));
            return args[0] switch
            {
                "generate" => GenerateCommand.Run(options),
                "serve" => ServeCommand.Run(options),
                "tokenize" or "detokenize" or "chat-template" => TokenizerCommands.Run(args[0], options),
                _ => throw new CliException($"unknown verb '{args[0]}'. {Usage}"),
            };
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (args[0] == "serve") Console.Error.WriteLine(Hosting.SiloCommandLine.Usage);
            return 2;
        }
    }
}
