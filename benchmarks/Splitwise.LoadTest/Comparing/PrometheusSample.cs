namespace Splitwise.LoadTest.Comparing;

/// <summary>One line of Prometheus text exposition: metric name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>name{a="1",b="2"} with labels in name order, or the bare name: identifies the series across two scrapes.</summary>
    public string Key(params string[] without)
    {
        var kept = Labels.Where(l => !without.Contains(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        return kept.Count == 0 ? Name : $"{Name}{{{string.Join(",", kept.Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
    }
}
