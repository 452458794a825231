using System.Reflection;

namespace Splitwise.Tests.LoadTest;

public class LoadTestIsolationTests
{
    [Fact]
    public void The_load_tester_references_no_splitwise_project()
    {
        // It must measure the gateway as it would any other OpenAI-compatible server.
        var references = Assembly.Load("Splitwise.LoadTest").GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, n => n.StartsWith("Splitwise.", StringComparison.Ordinal));
        Assert.Contains("Spectre.Console", references);
    }
}
