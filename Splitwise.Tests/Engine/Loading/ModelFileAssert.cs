using Splitwise.Engine.Loading;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>Asserts a load fails with a <see cref="ModelFileException"/> that names the file and the problem.</summary>
internal static class ModelFileAssert
{
    public static ModelFileException Fails(Action load, string path, params string[] problemFragments)
    {
        var e = Assert.Throws<ModelFileException>(load);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var fragment in problemFragments) Assert.Contains(fragment, e.Problem);
        return e;
    }

    public static ModelFileException LoadFails(string path, params string[] problemFragments) =>
        Fails(() => ModelLoader.Load(path).Dispose(), path, problemFragments);
}
