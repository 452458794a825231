using Splitwise.Engine.Cache;
using Splitwise.Silo.Cli;
using Splitwise.Silo.Hosting;
using Splitwise.Silo.Machines;

namespace Splitwise.Tests.Silo.Hosting;

public class SiloCommandLineTests
{
    private static SiloOptions Parse(params string[] args) => SiloCommandLine.Parse(new CliArgs(args));

    private static readonly string[] Required = ["--model", "m", "--gateway", "http://127.0.0.1:8000", "--cluster-secret", "s"];

    [Fact]
    public void Flags_map_to_options_with_documented_defaults()
    {
        var o = Parse([.. Required, "--role", "token", "--listen", "127.0.0.1:7000", "--kv-listen", "127.0.0.1:7001", "--id", "token-a",
                       "--threads", "2", "--kv-cache-gb", "0.25", "--max-model-len", "256", "--heartbeat-ms", "250", "--kv-f16", "--drain-seconds", "7.5"]);
        Assert.Equal(MachineRole.Token, o.Role);
        Assert.Equal(new Uri("http://127.0.0.1:8000"), o.Gateway);
        Assert.Equal("127.0.0.1:7001", o.KvListen);
        Assert.Equal("token-a", o.MachineId);
        Assert.Equal(2, o.Threads);
        Assert.Equal(1L << 28, o.KvCacheBytes);
        Assert.Equal(256, o.MaxModelLength);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.HeartbeatInterval);
        Assert.Equal(KvDataType.F16, o.KvDataType);
        Assert.Equal(TimeSpan.FromSeconds(7.5), o.DrainTimeout);

        var d = Parse([.. Required, "--role", "prompt"]);
        Assert.Equal("127.0.0.1:0", d.Listen);
        Assert.Equal(TimeSpan.FromSeconds(1), d.HeartbeatInterval);
        Assert.Equal(1L << 30, d.KvCacheBytes);
        Assert.StartsWith("prompt-", d.MachineId);
        Assert.Null(d.Threads);
        Assert.Equal(TimeSpan.FromSeconds(30), d.DrainTimeout);
        Assert.Null(d.KvDataType); // auto: by the model's weights
    }

    [Theory]
    [InlineData("role", "--role", "decoder")]
    [InlineData("gateway", "--role", "token", "--gateway", "127.0.0.1:8000")]
    [InlineData("listen", "--role", "token", "--listen", "localhost:7000")]
    [InlineData("kv-listen", "--role", "prompt", "--kv-listen", "127.0.0.1:7001")]
    [InlineData("advertise", "--role", "mixed", "--listen", "0.0.0.0:7000")]
    [InlineData("threads", "--role", "mixed", "--threads", "0")]
    [InlineData("heartbeat-ms", "--role", "mixed", "--heartbeat-ms", "1")]
    [InlineData("colour", "--role", "mixed", "--colour", "red")]
    [InlineData("drain-seconds", "--role", "mixed", "--drain-seconds", "-1")]
    [InlineData("drain-seconds", "--role", "mixed", "--drain-seconds", "NaN")]
    [InlineData("drain-seconds", "--role", "mixed", "--drain-seconds", "1e30")]
    [InlineData("drain-seconds", "--role", "mixed", "--drain-seconds", "soon")]
    public void Mistakes_are_refused_naming_the_flag(string flag, params string[] args)
    {
        // A later --gateway overrides the valid one in Required.
        var error = Assert.Throws<CliException>(() => Parse([.. Required, .. args]));
        Assert.Contains(flag, error.Message);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("gateway")]
    [InlineData("cluster-secret")]
    [InlineData("role")]
    public void Required_flags_are_required(string missing)
    {
        var args = new List<string>([.. Required, "--role", "token"]);
        int at = args.IndexOf("--" + missing);
        args.RemoveRange(at, 2);
        var error = Assert.Throws<CliException>(() => Parse([.. args]));
        Assert.Contains(missing, error.Message);
    }
}
