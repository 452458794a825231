using System.Text.RegularExpressions;
using Splitwise.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Splitwise.Tests.Deployment;

/// <summary>
/// docker-compose.yml read as YAML, with ${NAME:-default} resolved to its default (as `docker compose config` does
/// when the variable is unset), so tests check what a fresh checkout would run.
/// </summary>
internal sealed partial class ComposeFile
{
    public ComposeFile()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryRoot.File("docker-compose.yml"))) stream.Load(reader);
        Root = (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    public YamlMappingNode Root { get; }

    public YamlMappingNode Services => Map(Root, "services");

    public YamlMappingNode Service(string name) => Map(Services, name);

    public static YamlMappingNode Map(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlMappingNode m
            ? m : throw new Xunit.Sdk.XunitException($"docker-compose.yml: no mapping '{key}'.");

    public static string Scalar(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s
            ? Resolve(s.Value!) : throw new Xunit.Sdk.XunitException($"docker-compose.yml: no scalar '{key}'.");

    /// <summary>A list, or a string that compose would split on spaces (entrypoint, command).</summary>
    public static List<string> List(YamlNode node, string key)
    {
        if (!((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var v))
            throw new Xunit.Sdk.XunitException($"docker-compose.yml: no '{key}'.");
        return v switch
        {
            YamlSequenceNode seq => seq.Children.Select(c => Resolve(((YamlScalarNode)c).Value!)).ToList(),
            YamlScalarNode s => Resolve(s.Value!).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
            _ => throw new Xunit.Sdk.XunitException($"docker-compose.yml: '{key}' is neither a list nor a string."),
        };
    }

    /// <summary>The raw text before interpolation, to compare variables rather than their defaults.</summary>
    public static string Raw(YamlSequenceNode seq, int index) => ((YamlScalarNode)seq.Children[index]).Value!;

    public static string Resolve(string value) => Variable().Replace(value, m => m.Groups["default"].Success
        ? m.Groups["default"].Value
        : throw new Xunit.Sdk.XunitException($"docker-compose.yml: ${{{m.Groups["name"].Value}}} has no default, so a fresh checkout cannot start."));

    /// <summary>"--flag value" pairs and bare "--flag"s of a command line, after its leading verb if any.</summary>
    public static Dictionary<string, string?> Flags(IReadOnlyList<string> command)
    {
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < command.Count; i++)
        {
            if (!command[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i == 0) continue; // a verb
                throw new Xunit.Sdk.XunitException($"docker-compose.yml: stray argument '{command[i]}' in {string.Join(' ', command)}.");
            }
            var name = command[i][2..];
            bool hasValue = i + 1 < command.Count && !command[i + 1].StartsWith("--", StringComparison.Ordinal);
            if (!flags.TryAdd(name, hasValue ? command[++i] : null))
                throw new Xunit.Sdk.XunitException($"docker-compose.yml: --{name} given twice.");
        }
        return flags;
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?<default>[^}]*))?\}")]
    private static partial Regex Variable();
}
