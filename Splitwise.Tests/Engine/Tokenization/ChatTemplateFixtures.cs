using System.Text.Json;

namespace Splitwise.Tests.Engine.Tokenization;

/// <summary>
/// Chat templates of the model families we serve (Splitwise.Tests/TestData/ChatTemplates/*.jinja) and cases.json:
/// variables and the text Python jinja2, configured as transformers configures it, renders for them.
/// </summary>
public static class ChatTemplateFixtures
{
    public static string Folder { get; } = Locate();

    public static string Template(string name) => File.ReadAllText(Path.Combine(Folder, name + ".jinja"));

    public static JsonElement Case(int index) => Cases.GetProperty("cases")[index];

    private static readonly Lazy<JsonElement> CasesDoc = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))).RootElement.Clone());
    private static JsonElement Cases => CasesDoc.Value;

    public static TheoryData<int, string, string> All()
    {
        var data = new TheoryData<int, string, string>();
        int i = 0;
        foreach (var c in Cases.GetProperty("cases").EnumerateArray())
            data.Add(i++, c.GetProperty("template").GetString()!, c.GetProperty("name").GetString()!);
        return data;
    }

    private static string Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Splitwise.sln"))) dir = dir.Parent;
        var folder = dir is null ? null : Path.Combine(dir.FullName, "Splitwise.Tests", "TestData", "ChatTemplates");
        return folder is not null && Directory.Exists(folder) ? folder
            : throw new DirectoryNotFoundException($"Chat template fixtures not found above {AppContext.BaseDirectory}");
    }
}
