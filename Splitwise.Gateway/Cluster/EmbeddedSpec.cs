using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// How many machines of each role run inside the gateway process: "--embedded prompt=1,token=1" is the split on
/// one host; no flag is one mixed machine.
/// </summary>
public sealed record EmbeddedSpec(int Prompt, int Token, int Mixed)
{
    public static EmbeddedSpec OneMixed { get; } = new(0, 0, 1);

    public int MachineCount => Prompt + Token + Mixed;

    /// <summary>Parses "prompt=1,token=1" / "mixed=2"; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static EmbeddedSpec Parse(string text)
    {
        int prompt = 0, token = 0, mixed = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !int.TryParse(kv[1], out int n) || n < 0 || n > 64)
                throw new FormatException($"'{part}' is not ROLE=COUNT with a count from 0 to 64.");
            switch (kv[0])
            {
                case "prompt": prompt = n; break;
                case "token": token = n; break;
                case "mixed": mixed = n; break;
                default: throw new FormatException($"Unknown role '{kv[0]}'; the roles are prompt, token and mixed.");
            }
        }
        var spec = new EmbeddedSpec(prompt, token, mixed);
        if (spec.MachineCount == 0) throw new FormatException($"'{text}' names no machines.");
        if ((prompt > 0) != (token > 0) && mixed == 0)
            throw new FormatException($"'{text}': a split needs at least one prompt and one token machine (or a mixed one to pair with).");
        return spec;
    }

    public IEnumerable<(MachineId Id, MachineRole Role)> Machines()
    {
        for (int i = 0; i < Prompt; i++) yield return (new MachineId($"prompt-{i}"), MachineRole.Prompt);
        for (int i = 0; i < Token; i++) yield return (new MachineId($"token-{i}"), MachineRole.Token);
        for (int i = 0; i < Mixed; i++) yield return (new MachineId($"mixed-{i}"), MachineRole.Mixed);
    }

    public override string ToString() => string.Join(",", new[] { ("prompt", Prompt), ("token", Token), ("mixed", Mixed) }.Where(x => x.Item2 > 0).Select(x => $"{x.Item1}={x.Item2}"));
}
