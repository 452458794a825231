namespace Splitwise.Tests.Support;

/// <summary>
/// Where the shared models, tokenizers and traces live: ../shared beside the repository root, or SPLITWISE_SHARED.
/// Missing data is an error with the path looked at, never a skipped test.
/// </summary>
public static class SharedData
{
    public static string Root { get; } = Locate();

    public static string Path(params string[] parts)
    {
        var full = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(full) && !Directory.Exists(full))
            throw new FileNotFoundException($"Shared test data not found: {full} (set SPLITWISE_SHARED to the shared folder).", full);
        return full;
    }

    public static string Stories260K => Path("models", "stories260k");

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("SPLITWISE_SHARED");
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!Directory.Exists(env)) throw new DirectoryNotFoundException($"SPLITWISE_SHARED points at {env}, which does not exist.");
            return System.IO.Path.GetFullPath(env);
        }
        // Walk up from the test binaries to the repository root (the folder with Splitwise.sln); shared/ sits beside it.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Splitwise.sln"))) dir = dir.Parent;
        if (dir?.Parent == null)
            throw new DirectoryNotFoundException($"Could not find the repository root above {AppContext.BaseDirectory} to locate ../shared.");
        var shared = System.IO.Path.Combine(dir.Parent.FullName, "shared");
        if (!Directory.Exists(shared))
            throw new DirectoryNotFoundException($"Shared test data folder missing: {shared} (set SPLITWISE_SHARED).");
        return shared;
    }
}
