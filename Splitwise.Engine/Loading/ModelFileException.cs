namespace Splitwise.Engine.Loading;

/// <summary>A model file that cannot be used: the message names the file and what is wrong with it.</summary>
public sealed class ModelFileException(string path, string problem, Exception? inner = null)
    : Exception($"{path}: {problem}", inner)
{
    public string FilePath { get; } = path;
    public string Problem { get; } = problem;
}
