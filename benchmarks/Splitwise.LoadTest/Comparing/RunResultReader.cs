using System.Text.Json;

namespace Splitwise.LoadTest.Comparing;

/// <summary>Reads a run's result.json (as <c>Reporting.JsonReport</c> writes it); a missing file or field is a <see cref="FormatException"/> naming both.</summary>
public static class RunResultReader
{
    public static LoadedRun ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FormatException($"{path}: no such file (expected a load test's result.json).");
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    public static LoadedRun Parse(string json, string path)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var context = Get(root, "context", path);
        var summary = Get(root, "summary", path);
        var requests = Get(root, "requests", path);

        var errors = Array(requests, "errors", path);
        // A request succeeded when its error is null; only those enter latencies, as in the run's own summary.
        var success = errors.Select(e => e.ValueKind == JsonValueKind.Null).ToArray();
        List<double> Samples(string field)
        {
            var values = Array(requests, field, path);
            if (values.Count != success.Length) throw new FormatException($"{path}: requests.{field} has {values.Count} entries, requests.errors has {success.Length}.");
            return values.Where((v, i) => success[i] && v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
        }
        var itlArrays = Array(requests, "itls", path);
        if (itlArrays.Count != success.Length) throw new FormatException($"{path}: requests.itls has {itlArrays.Count} entries, requests.errors has {success.Length}.");
        var itls = itlArrays.Where((_, i) => success[i])
            .SelectMany(a => a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().Select(v => v.GetDouble()) : throw new FormatException($"{path}: requests.itls holds a {a.ValueKind}, expected arrays of numbers."))
            .ToList();

        var errorsByKind = Get(summary, "errors_by_kind", path).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var offered = Get(context, "offered_rate", path);
        return new LoadedRun
        {
            Path = path,
            RunLabel = Text(context, "label", path),
            Model = Text(context, "model", path),
            Workload = Text(context, "workload", path),
            Seed = Get(context, "seed", path).GetInt32(),
            OfferedRate = offered.ValueKind == JsonValueKind.Number ? offered.GetDouble() : null,
            CommandLine = Text(context, "command_line", path),
            Planned = (int)Number(summary, "planned", path),
            Completed = (int)Number(summary, "completed", path),
            Failed = (int)Number(summary, "failed", path),
            Cancelled = (int)Number(summary, "cancelled", path),
            Unsent = (int)Number(summary, "unsent", path),
            DurationSeconds = Number(summary, "duration_seconds", path),
            RequestThroughput = Number(summary, "request_throughput", path),
            OutputThroughput = Number(summary, "output_throughput", path),
            ErrorsByKind = errorsByKind,
            TtftMs = Samples("ttfts"),
            TpotMs = Samples("tpots"),
            ItlMs = itls,
            E2eMs = Samples("e2els"),
        };
    }

    private static JsonElement Get(JsonElement parent, string name, string path) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) ? v : throw new FormatException($"{path}: field '{name}' is missing (is this a load test's result.json?).");

    private static List<JsonElement> Array(JsonElement parent, string name, string path)
    {
        var v = Get(parent, name, path);
        return v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : throw new FormatException($"{path}: field '{name}' is a {v.ValueKind}, expected an array.");
    }

    private static double Number(JsonElement parent, string name, string path)
    {
        var v = Get(parent, name, path);
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new FormatException($"{path}: field '{name}' is a {v.ValueKind}, expected a number.");
    }

    private static string Text(JsonElement parent, string name, string path)
    {
        var v = Get(parent, name, path);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"{path}: field '{name}' is a {v.ValueKind}, expected a string.");
    }
}
