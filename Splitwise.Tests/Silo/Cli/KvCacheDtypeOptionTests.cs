using Splitwise.Engine.Cache;
using Splitwise.Silo.Cli;

namespace Splitwise.Tests.Silo.Cli;

public class KvCacheDtypeOptionTests
{
    [Theory]
    [InlineData(null, new string[0])]
    [InlineData(null, new[] { "--kv-cache-dtype", "auto" })]
    [InlineData(KvDataType.F32, new[] { "--kv-cache-dtype", "f32" })]
    [InlineData(KvDataType.F16, new[] { "--kv-cache-dtype", "f16" })]
    [InlineData(KvDataType.F16, new[] { "--kv-f16" })]
    [InlineData(KvDataType.F16, new[] { "--kv-f16", "--kv-cache-dtype", "f16" })]
    public void Flags_choose_the_kv_element_type_or_leave_it_to_the_model(KvDataType? expected, string[] args)
        => Assert.Equal(expected, KvCacheDtypeOption.Parse(new CliArgs(args)));

    [Theory]
    [InlineData("must be auto, f32 or f16, got 'bf16'", "--kv-cache-dtype", "bf16")]
    [InlineData("contradicts", "--kv-f16", "--kv-cache-dtype", "f32")]
    public void Bad_or_contradicting_flags_are_refused_with_the_reason(string message, params string[] args)
        => Assert.Contains(message, Assert.Throws<CliException>(() => KvCacheDtypeOption.Parse(new CliArgs(args))).Message);
}
