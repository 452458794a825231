using Splitwise.Gateway.Hosting;

// The OpenAI-compatible front door: machines in-process (embedded), or silo processes that register (--cluster).
GatewayOptions options;
try
{
    options = GatewayCommandLine.Parse(args);
}
catch (Splitwise.Silo.Cli.CliException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{GatewayCommandLine.Usage}");
    return 2;
}
var app = GatewayApp.Build(options);
app.Run();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
