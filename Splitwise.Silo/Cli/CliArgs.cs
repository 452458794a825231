using System.Globalization;

namespace Splitwise.Silo.Cli;

/// <summary>
/// "--name value" and "--flag" options after a verb. Unknown or missing options are a <see cref="CliException"/>
/// with a message for the user, so every command fails the same way.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new CliException($"unexpected argument '{a}'");
            var eq = a.IndexOf('=');
            if (eq > 0) { _options[a[2..eq]] = a[(eq + 1)..]; continue; }
            var name = a[2..];
            bool hasValue = i + 1 < list.Count && !(list[i + 1].StartsWith("--", StringComparison.Ordinal) && list[i + 1].Length > 2);
            _options[name] = hasValue ? list[++i] : null;
        }
    }

    public bool Has(string name) { _read.Add(name); return _options.ContainsKey(name); }

    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        return v is null || v is "true" or "1" ? true : v is "false" or "0" ? false : throw new CliException($"--{name} takes no value");
    }

    public string? String(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new CliException($"--{name} needs a value");
    }

    public string Required(string name) => String(name) ?? throw new CliException($"--{name} is required");

    public int Int(string name, int fallback) => String(name) is { } s
        ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new CliException($"--{name} must be an integer, got '{s}'")
        : fallback;

    public float Float(string name, float fallback) => String(name) is { } s
        ? float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new CliException($"--{name} must be a number, got '{s}'")
        : fallback;

    public long? Long(string name) => String(name) is { } s
        ? long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new CliException($"--{name} must be an integer, got '{s}'")
        : null;

    public int[]? IntList(string name) => String(name) is { } s
        ? s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new CliException($"--{name}: '{t}' is not an integer"))
            .ToArray()
        : null;

    /// <summary>Call after reading every option: a typo should fail, not be ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CliException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

public sealed class CliException(string message) : Exception(message);
