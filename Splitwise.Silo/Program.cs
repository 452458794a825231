using Splitwise.Silo.Cli;
using Splitwise.Silo.Commands;

// Verbs: generate (engine), tokenize/detokenize/chat-template (tokenizer), serve (a machine process).
const string Usage = "usage: Splitwise.Silo <generate|serve|tokenize|detokenize|chat-template> [options]";
if (args.Length == 0) { Console.Error.WriteLine(Usage); return 2; }
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
    if (args[0] == "serve") Console.Error.WriteLine(Splitwise.Silo.Hosting.SiloCommandLine.Usage);
    return 2;
}
