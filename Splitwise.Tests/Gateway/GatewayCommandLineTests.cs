using Splitwise.Engine.Cache;
using Splitwise.Gateway.Hosting;
using Splitwise.Silo.Cli;

namespace Splitwise.Tests.Gateway;

public class GatewayCommandLineTests
{
    [Fact]
    public void Flags_map_to_options_and_host_settings_pass_through()
    {
        var o = GatewayCommandLine.Parse(["--model", "m.gguf", "--port", "9001", "--kv-f16", "--kv-cache-gb", "0.5", "--max-model-len", "1024",
                                          "--environment=Development", "--contentRoot=/tmp"]);
        Assert.Equal("m.gguf", o.Model);
        Assert.True(o.ModelGiven);
        Assert.Equal(9001, o.Port);
        Assert.Equal(KvDataType.F16, o.KvDataType);
        Assert.Equal(1L << 29, o.KvCacheBytes);
        Assert.Equal(1024, o.MaxModelLength);
        Assert.Null(o.Threads);
        Assert.Equal(["--environment=Development", "--contentRoot=/tmp"], o.HostArguments);

        var defaults = GatewayCommandLine.Parse([]);
        Assert.False(defaults.ModelGiven);
        Assert.Equal(GatewayOptions.DefaultModel, defaults.Model);
        Assert.Equal(8000, defaults.Port);
        Assert.Null(defaults.KvDataType);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.KvLease);
        Assert.Equal(TimeSpan.FromSeconds(5), GatewayCommandLine.Parse(["--kv-lease-seconds", "5"]).KvLease);
    }

    [Theory]
    [InlineData("--modle", "x")]
    [InlineData("--port", "eighty")]
    [InlineData("--kv-lease-seconds", "0")]
    [InlineData("--kv-lease-seconds", "soon")]
    [InlineData("--chat-template", "/no/such/template.jinja")]
    public void Typos_bad_values_and_missing_files_are_refused(string flag, string value)
    {
        var error = Assert.Throws<CliException>(() => GatewayCommandLine.Parse([flag, value]));
        Assert.Contains(flag.TrimStart('-'), error.Message);
    }

    [Fact]
    public void Cluster_mode_takes_a_secret_and_a_heartbeat_interval()
    {
        var o = GatewayCommandLine.Parse(["--cluster", "--cluster-secret", "s3", "--heartbeat-ms", "250"]);
        Assert.True(o.Cluster);
        Assert.Equal("s3", o.ClusterSecret);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.HeartbeatInterval);
        var defaults = GatewayCommandLine.Parse([]);
        Assert.False(defaults.Cluster);
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.HeartbeatInterval);
    }

    [Theory]
    [InlineData("cluster-secret", "--cluster")]
    [InlineData("embedded", "--cluster", "--cluster-secret", "s", "--embedded", "prompt=1,token=1")]
    [InlineData("heartbeat-ms", "--cluster", "--cluster-secret", "s", "--heartbeat-ms", "5")]
    [InlineData("heartbeat-ms", "--heartbeat-ms", "often")]
    public void Cluster_flags_that_cannot_work_are_refused(string named, params string[] args)
    {
        var error = Assert.Throws<CliException>(() => GatewayCommandLine.Parse(args));
        Assert.Contains(named, error.Message);
    }
}
