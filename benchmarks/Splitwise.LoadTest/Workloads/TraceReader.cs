using System.Globalization;

namespace Splitwise.LoadTest.Workloads;

/// <summary>
/// Reads the Azure LLM inference traces: a header <c>TIMESTAMP,ContextTokens,GeneratedTokens</c>, then rows
/// <c>YYYY-MM-DD HH:MM:SS.fffffff,int,int</c>. Accepts CRLF or LF and a missing final newline (the published files
/// have CRLF and none). Offsets are relative to the first row, since the timestamps carry no time zone.
/// </summary>
public static class TraceReader
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss",
    ];

    public static IReadOnlyList<TraceRow> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Trace file not found: {path}", path);
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static IReadOnlyList<TraceRow> Read(TextReader reader, string sourceName)
    {
        // ReadLine splits on \n, \r\n and \r, and returns the last line whether or not it ends in a newline.
        string? header = reader.ReadLine();
        if (header == null) throw new FormatException($"{sourceName}: empty file, expected a header 'TIMESTAMP,ContextTokens,GeneratedTokens'.");
        var columns = header.Trim().TrimStart('\uFEFF').Split(',');
        int tsCol = IndexOf(columns, "TIMESTAMP", sourceName);
        int ctxCol = IndexOf(columns, "ContextTokens", sourceName);
        int genCol = IndexOf(columns, "GeneratedTokens", sourceName);

        var rows = new List<TraceRow>();
        DateTime? first = null;
        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            lineNo++;
            if (line.Length == 0 || line.Trim().Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != columns.Length)
                throw new FormatException($"{sourceName} line {lineNo}: expected {columns.Length} fields, got {f.Length}: '{Clip(line)}'.");
            if (!DateTime.TryParseExact(f[tsCol].Trim(), TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var ts))
                throw new FormatException($"{sourceName} line {lineNo}: TIMESTAMP '{Clip(f[tsCol])}' is not 'YYYY-MM-DD HH:MM:SS.fffffff'.");
            int ctx = ParseCount(f[ctxCol], "ContextTokens", sourceName, lineNo);
            int gen = ParseCount(f[genCol], "GeneratedTokens", sourceName, lineNo);
            first ??= ts;
            double offset = (ts - first.Value).TotalSeconds;
            if (offset < 0) throw new FormatException($"{sourceName} line {lineNo}: timestamp goes backwards (rows must be sorted by TIMESTAMP).");
            rows.Add(new TraceRow(offset, ctx, gen));
        }
        if (rows.Count == 0) throw new FormatException($"{sourceName}: no rows after the header.");
        return rows;
    }

    private static int IndexOf(string[] columns, string name, string sourceName)
    {
        int i = Array.FindIndex(columns, c => string.Equals(c.Trim(), name, StringComparison.OrdinalIgnoreCase));
        if (i < 0) throw new FormatException($"{sourceName}: header lacks column '{name}' (found: {string.Join(", ", columns)}).");
        return i;
    }

    private static int ParseCount(string text, string column, string sourceName, int lineNo)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 0)
            throw new FormatException($"{sourceName} line {lineNo}: {column} '{Clip(text)}' is not a non-negative integer.");
        return v;
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
