using System.Reflection;

namespace Splitwise.Tests.Architecture;

/// <summary>Kernels ← Engine ← Silo ← Gateway: each project may reference only the ones to its left.</summary>
public class DependencyDirectionTests
{
    private static readonly string[] Order = ["Splitwise.Kernels", "Splitwise.Engine", "Splitwise.Silo", "Splitwise.Gateway"];

    public static TheoryData<string> Projects => new(Order);

    [Theory, MemberData(nameof(Projects))]
    public void References_point_only_down_the_stack(string project)
    {
        var assembly = Assembly.Load(project);
        int level = Array.IndexOf(Order, project);
        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var upward = referenced.Where(r => Array.IndexOf(Order, r) > level).ToList();
        Assert.True(upward.Count == 0, $"{project} references {string.Join(", ", upward)}, which sit above it.");
        // The silo process serves its machines' control verbs over HTTP, so only the engine and kernels stay host-free.
        if (level <= Array.IndexOf(Order, "Splitwise.Engine"))
        {
            var web = referenced.Where(r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)).ToList();
            Assert.True(web.Count == 0, $"{project} references {string.Join(", ", web)}; the engine knows no hosting or HTTP.");
        }
    }

    [Fact]
    public void Kernels_reference_only_the_base_library_and_tensors()
    {
        var names = Assembly.Load("Splitwise.Kernels").GetReferencedAssemblies().Select(a => a.Name!);
        var extra = names.Where(n => !n.StartsWith("System", StringComparison.Ordinal) && n != "netstandard").ToList();
        Assert.True(extra.Count == 0, $"Kernels references {string.Join(", ", extra)}.");
    }
}
