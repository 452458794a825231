using Microsoft.AspNetCore.Builder;
using Splitwise.Engine.Loading;
using Splitwise.Silo.Cli;
using Splitwise.Silo.Hosting;

namespace Splitwise.Silo.Commands;

/// <summary>`serve`: one machine in its own process, controlled by the gateway over HTTP, KV over TCP.</summary>
public static class ServeCommand
{
    public static int Run(CliArgs args)
    {
        var options = SiloCommandLine.Parse(args);
        HostedMachine hosted;
        try
        {
            hosted = HostedMachine.Start(options);
        }
        catch (Exception e) when (e is ModelFileException or ArgumentException)
        {
            throw new CliException(e.Message);
        }
        using (hosted)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.AddSplitwiseSilo(options, hosted);
            var app = builder.Build();
            app.MapSplitwiseSilo();
            app.Run();
        }
        return Environment.ExitCode;
    }
}
