using Splitwise.Engine.Cache;

namespace Splitwise.Silo.Cli;

/// <summary>
/// The KV cache element type flags every server command shares: <c>--kv-cache-dtype auto|f32|f16</c> (vLLM's name) and
/// <c>--kv-f16</c>, its shorthand for f16. Null means auto: the engine picks from the model's weights.
/// </summary>
public static class KvCacheDtypeOption
{
    public static KvDataType? Parse(CliArgs a)
    {
        bool f16Flag = a.Flag("kv-f16");
        KvDataType? chosen = a.String("kv-cache-dtype") switch
        {
            null or "auto" => null,
            "f32" => KvDataType.F32,
            "f16" => KvDataType.F16,
            var other => throw new CliException($"--kv-cache-dtype must be auto, f32 or f16, got '{other}'"),
        };
        if (!f16Flag) return chosen;
        if (chosen == KvDataType.F32) throw new CliException("--kv-f16 contradicts --kv-cache-dtype f32");
        return KvDataType.F16;
    }
}
