using System.Text.RegularExpressions;
using System.Xml.Linq;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Deployment;

/// <summary>Structural checks of the Dockerfile; no Docker on the build machines, so no image is built here.</summary>
public class DockerfileTests
{
    private readonly string _text = File.ReadAllText(RepositoryRoot.File("Dockerfile"));

    private IReadOnlyList<string> Stages => Regex.Split(_text, @"^FROM ", RegexOptions.Multiline).Skip(1).ToList();

    [Fact]
    public void Builds_with_the_sdk_and_runs_on_the_aspnet_runtime_as_a_non_root_user()
    {
        Assert.Equal(2, Stages.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 AS build", Stages[0]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", Stages[1]);
        var runtime = Stages[1];
        Assert.Contains("COPY --from=build /app /app", runtime);
        var user = Regex.Matches(runtime, @"^USER\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).LastOrDefault();
        Assert.NotNull(user);
        Assert.DoesNotContain(user, new[] { "root", "0" });
    }

    [Fact]
    public void Copies_every_project_the_published_programs_reference()
    {
        var build = Stages[0];
        foreach (var project in ProjectClosure("Splitwise.Gateway", "Splitwise.Silo"))
        {
            Assert.Contains($"COPY {project}/{project}.csproj {project}/", build);
            Assert.Contains($"COPY {project}/ {project}/", build);
        }
        foreach (var file in new[] { "global.json", "Directory.Build.props" })
            Assert.Matches($@"COPY [^\n]*\b{Regex.Escape(file)}\b", build);
    }

    [Fact]
    public void The_runtime_image_has_the_tool_the_compose_health_checks_call()
    {
        var compose = new ComposeFile();
        var tools = compose.Services.Children.Values.Select(s => ComposeFile.List(ComposeFile.Map(s, "healthcheck"), "test")[1]).Distinct().ToList();
        foreach (var tool in tools)
            Assert.Matches($@"apt-get install[^\n]*\b{Regex.Escape(tool)}\b", Stages[1]);
    }

    /// <summary>The named projects and every project they reference, directly or not.</summary>
    private static SortedSet<string> ProjectClosure(params string[] roots)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>(roots);
        while (todo.Count > 0)
        {
            var name = todo.Pop();
            if (!seen.Add(name)) continue;
            var csproj = XDocument.Load(RepositoryRoot.File(name, name + ".csproj"));
            foreach (var reference in csproj.Descendants("ProjectReference"))
                todo.Push(Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/')));
        }
        return seen;
    }
}
