using System.Globalization;

namespace Splitwise.Gateway.Hosting;

/// <summary>Parses the gateway's flags; a bad flag is a message for the user, not a stack trace.</summary>
public static class GatewayCommandLine
{
    public const string Usage = """
        usage: Splitwise.Gateway [--model PATH|synthetic:NAME] [--host 127.0.0.1] [--port 8000] [--chat-template FILE]
                                 [--tokenizer PATH] [--served-model-name NAME] [--api-key KEY] [--max-waiting 256]
                                 [--kv-cache-gb 2] [--kv-f16] [--max-batched-tokens 512] [--max-model-len N] [--threads N]
        """;

    private static readonly string[] HostSettings = ["--environment", "--contentRoot", "--applicationName"];

    public static GatewayOptions Parse(string[] args)
    {
        var o = new GatewayOptions();
        var hostArguments = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (HostSettings.Any(h => args[i].StartsWith(h + "=", StringComparison.OrdinalIgnoreCase)))
            {
                hostArguments.Add(args[i]);
                continue;
            }
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() { var v = Value(); return int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{args[i - 1]} must be an integer, got '{v}'"); }
            o = args[i] switch
            {
                "--model" => o with { Model = Value(), ModelGiven = true },
                "--host" => o with { Host = Value() },
                "--port" => o with { Port = Int() },
                "--chat-template" => o with { ChatTemplateFile = Value() },
                "--tokenizer" => o with { Tokenizer = Value() },
                "--served-model-name" => o with { ServedModelName = Value() },
                "--api-key" => o with { ApiKey = Value() },
                "--max-waiting" => o with { MaxWaitingRequests = Int() },
                "--kv-cache-gb" => o with { KvCacheBytes = (long)(double.Parse(Value(), CultureInfo.InvariantCulture) * (1L << 30)) },
                "--kv-f16" => o with { KvF16 = true },
                "--max-batched-tokens" => o with { MaxBatchedTokens = Int() },
                "--max-model-len" => o with { MaxModelLength = Int() },
                "--threads" => o with { Threads = Int() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }
        if (o.ChatTemplateFile is { } f && !File.Exists(f)) throw new ArgumentException($"--chat-template: no such file {f}");
        return o with { HostArguments = hostArguments };
    }
}
