namespace Splitwise.Tests.Support;

/// <summary>The folder with Splitwise.sln, found by walking up from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Locate();

    public static string File(params string[] parts)
    {
        var full = System.IO.Path.Combine([Path, .. parts]);
        if (!System.IO.File.Exists(full)) throw new FileNotFoundException($"Expected {full} in the repository.", full);
        return full;
    }

    private static string Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Splitwise.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException($"No Splitwise.sln above {AppContext.BaseDirectory}.");
    }
}
