using System.Text.RegularExpressions;
using Splitwise.Gateway.Hosting;
using Splitwise.Tests.Support;
using YamlDotNet.RepresentationModel;
using static Splitwise.Tests.Deployment.ComposeFile;

namespace Splitwise.Tests.Deployment;

/// <summary>
/// Structural checks of docker-compose.yml; Docker is not on the build machines, so `docker compose config` and a
/// real start are not part of the suite.
/// </summary>
public class DockerComposeTests
{
    private static readonly string[] SiloServices = ["prompt", "token"];

    /// <summary>The silo's serve flags as specified for the cluster.</summary>
    private static readonly HashSet<string> ServeFlags = ["role", "model", "listen", "gateway", "cluster-secret", "advertise", "kv-listen"];

    private readonly ComposeFile _compose = new();

    [Fact]
    public void Gateway_prompt_and_token_are_built_from_the_repository_dockerfile()
    {
        Assert.Equal(["gateway", "prompt", "token"], _compose.Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order());
        foreach (var (name, service) in _compose.Services.Children)
        {
            Assert.True(service is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("build")), $"service {name} has no build section");
            var build = ((YamlMappingNode)service).Children[new YamlScalarNode("build")];
            string context = build is YamlScalarNode s ? s.Value! : Scalar(build, "context");
            Assert.Equal(".", context);
            Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, context, "Dockerfile")), "the build context has no Dockerfile");
        }
    }

    [Fact]
    public void Every_service_mounts_the_model_read_only_and_the_default_is_the_shared_model()
    {
        foreach (var name in new[] { "gateway", "prompt", "token" })
        {
            var volume = Assert.Single(List(_compose.Service(name), "volumes"));
            var parts = volume.Split(':');
            Assert.Equal(3, parts.Length);
            Assert.Equal("/models/model", parts[1]);
            Assert.Equal("ro", parts[2]);
            // Relative sources are relative to the compose file: the default must be the shared model beside the repository.
            var source = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, parts[0]));
            Assert.Equal(Path.GetFullPath(SharedData.Stories260K), source);
            Assert.True(File.Exists(Path.Combine(source, "config.json")), $"{source} has no config.json");
            Assert.Equal("/models/model", Flags(List(_compose.Service(name), "command"))["model"]);
        }
        Assert.Contains("${SPLITWISE_MODEL_DIR", Raw((YamlSequenceNode)_compose.Service("token").Children[new YamlScalarNode("volumes")], 0));
    }

    [Fact]
    public void The_gateway_runs_in_cluster_mode_on_its_published_port_with_a_health_check()
    {
        var gateway = _compose.Service("gateway");
        var flags = Flags(List(gateway, "command"));
        Assert.True(flags.ContainsKey("cluster"), "the gateway is not started with --cluster");
        Assert.Null(flags["cluster"]);
        Assert.Equal("0.0.0.0", flags["host"]);
        string port = flags["port"]!;
        Assert.Contains($"{port}:{port}", List(gateway, "ports"));
        Assert.Equal(["CMD", "curl", "-fsS", $"http://127.0.0.1:{port}/health"], List(Map(gateway, "healthcheck"), "test"));

        // Every flag is one the gateway knows, or one of the cluster flags.
        var known = GatewayFlags();
        Assert.All(flags.Keys, f => Assert.True(known.Contains(f), $"the gateway has no flag --{f}"));
    }

    [Theory]
    [InlineData("prompt")]
    [InlineData("token")]
    public void Silos_serve_their_role_advertise_their_service_name_and_check_their_control_port(string name)
    {
        var silo = _compose.Service(name);
        var command = List(silo, "command");
        Assert.Equal("serve", command[0]);
        var flags = Flags(command);
        Assert.All(flags.Keys, f => Assert.True(ServeFlags.Contains(f), $"silo {name}: serve has no flag --{f}"));
        Assert.Equal(name, flags["role"]);

        var listen = Endpoint(flags["listen"]!, name);
        Assert.Equal("0.0.0.0", listen.Host);
        Assert.Equal((name, listen.Port), Endpoint(flags["advertise"]!, name));
        Assert.Equal(["CMD", "curl", "-fsS", $"http://127.0.0.1:{listen.Port}/health"], List(Map(silo, "healthcheck"), "test"));

        string gatewayPort = Flags(List(_compose.Service("gateway"), "command"))["port"]!;
        Assert.Equal($"http://gateway:{gatewayPort}", flags["gateway"]);
        Assert.Equal("service_healthy", Scalar(Map(Map(silo, "depends_on"), "gateway"), "condition"));
        if (flags.TryGetValue("kv-listen", out var kv))
            Assert.NotEqual(listen.Port, Endpoint(kv!, name).Port);
    }

    [Fact]
    public void All_services_share_one_cluster_secret_variable_with_a_default()
    {
        var raw = new List<string>();
        foreach (var name in new[] { "gateway", "prompt", "token" })
        {
            var command = (YamlSequenceNode)_compose.Service(name).Children[new YamlScalarNode("command")];
            int at = command.Children.ToList().FindIndex(c => ((YamlScalarNode)c).Value == "--cluster-secret");
            Assert.True(at >= 0, $"service {name} has no --cluster-secret");
            raw.Add(Raw(command, at + 1));
        }
        Assert.Single(raw.Distinct());
        Assert.StartsWith("${SPLITWISE_CLUSTER_SECRET:-", raw[0]);
        Assert.NotEmpty(Resolve(raw[0]));
    }

    [Fact]
    public void Entrypoints_run_what_the_dockerfile_publishes()
    {
        var dockerfile = File.ReadAllText(RepositoryRoot.File("Dockerfile"));
        foreach (var (name, program) in new[] { ("gateway", "Gateway"), ("prompt", "Silo"), ("token", "Silo") })
        {
            var entrypoint = List(_compose.Service(name), "entrypoint");
            Assert.Equal("dotnet", entrypoint[0]);
            var dll = entrypoint[1];
            Assert.Equal($"Splitwise.{program}.dll", Path.GetFileName(dll));
            string folder = Path.GetDirectoryName(dll)!.Replace('\\', '/');
            Assert.Matches($@"dotnet publish Splitwise\.{program}/Splitwise\.{program}\.csproj [^\n]*-o {Regex.Escape(folder)}(\s|$)", dockerfile);
        }
    }

    private static (string Host, string Port) Endpoint(string value, string service)
    {
        var m = Regex.Match(value, @"^(?<host>[^:]+):(?<port>\d{1,5})$");
        Assert.True(m.Success, $"silo {service}: '{value}' is not HOST:PORT");
        return (m.Groups["host"].Value, m.Groups["port"].Value);
    }

    private static HashSet<string> GatewayFlags()
    {
        var flags = Regex.Matches(GatewayCommandLine.Usage, @"--([a-z][a-z0-9-]*)").Select(m => m.Groups[1].Value).ToHashSet();
        flags.UnionWith(["cluster", "cluster-secret"]);
        return flags;
    }
}
