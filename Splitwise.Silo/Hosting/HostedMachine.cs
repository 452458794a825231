using System.Net;
using System.Net.Sockets;
using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;
using Splitwise.Engine.Model;
using Splitwise.Engine.Scheduling;
using Splitwise.Kernels.Threading;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Wire;

namespace Splitwise.Silo.Hosting;

/// <summary>
/// The one machine a silo process runs, with what it needs: the loaded model, its worker threads, and for token and
/// mixed machines the TCP endpoint where prompt machines stream KV (secret-checked by the receiver). Owns all of it.
/// </summary>
public sealed class HostedMachine : IDisposable
{
    private readonly LlamaWeights _weights;
    private readonly WorkerPool _pool;
    private readonly TcpKvListener? _listener;

    private HostedMachine(Machine machine, LlamaWeights weights, WorkerPool pool, TcpKvListener? listener, string? kvEndpoint)
    {
        Machine = machine;
        _weights = weights;
        _pool = pool;
        _listener = listener;
        KvEndpoint = kvEndpoint;
        Shape = ModelShape.Of(weights.Config, machine.Loop.Engine.MaxModelLength);
    }

    public Machine Machine { get; }

    /// <summary>Where prompt machines send this machine KV ("host:port"); null for a prompt machine.</summary>
    public string? KvEndpoint { get; }

    /// <summary>Where the KV listener is bound (may differ from <see cref="KvEndpoint"/> behind --advertise).</summary>
    public IPEndPoint? KvBoundEndPoint => _listener?.BoundEndPoint;

    public ModelShape Shape { get; }

    /// <summary>Fresh for every process start, so the gateway can tell a restarted silo from a re-registering one.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    public MachineInfo Info => new(Machine.Id, Machine.Role, KvEndpoint, Shape);

    /// <summary>
    /// Loads the model and starts the machine. Throws <see cref="ModelFileException"/> for a bad model and
    /// <see cref="ArgumentException"/> for settings the model cannot run with (e.g. a KV budget below one sequence).
    /// </summary>
    public static HostedMachine Start(SiloOptions options)
    {
        var weights = ModelLoader.Load(options.Model);
        WorkerPool? pool = null;
        try
        {
            pool = new WorkerPool(options.Threads ?? Environment.ProcessorCount);
            var engineOptions = new EngineOptions
            {
                KvCacheBytes = options.KvCacheBytes,
                KvDataType = options.KvDataType,
                MaxModelLength = options.MaxModelLength,
                Scheduler = MachineRoleDefaults.SchedulerFor(options.Role, new SchedulerOptions { MaxBatchedTokens = options.MaxBatchedTokens }),
            };
            var transfer = new KvTransferOptions { LayerwiseMinTokens = options.LayerwiseMinTokens, ClusterSecret = options.ClusterSecret };
            var id = new MachineId(options.MachineId);
            var workers = pool;
            LlmEngine NewEngine() => new(weights, engineOptions, workers);
            if (options.Role == MachineRole.Prompt)
                return new HostedMachine(new PromptMachine(id, NewEngine(), new TcpKvTransport(), transfer), weights, pool, null, null);
            return StartReceiving(options, id, NewEngine, transfer, weights, pool);
        }
        catch
        {
            pool?.Dispose();
            weights.Dispose();
            throw;
        }
    }

    private static HostedMachine StartReceiving(SiloOptions options, MachineId id, Func<LlmEngine> newEngine, KvTransferOptions transfer, LlamaWeights weights, WorkerPool pool)
    {
        var listen = SiloCommandLine.ParseIpEndPoint("listen", options.Listen);
        var bind = options.KvListen is { } kv ? SiloCommandLine.ParseIpEndPoint("kv-listen", kv) : new IPEndPoint(listen.Address, 0);
        // The machine names its KV endpoint when it is built, and the listener needs the machine's receiver, so a
        // free port is found first. Another process could take it in between; binding then fails, and we try again.
        for (int attempt = 1; ; attempt++)
        {
            var at = bind.Port != 0 ? bind : new IPEndPoint(bind.Address, FreePort(bind.Address));
            string endpoint = $"{AdvertisedHost(options, at.Address)}:{at.Port}";
            Machine machine = options.Role == MachineRole.Token
                ? new TokenMachine(id, newEngine(), endpoint, transfer)
                : new MixedMachine(id, newEngine(), new TcpKvTransport(), endpoint, transfer);
            var receiver = machine is TokenMachine t ? t.Receiver : ((MixedMachine)machine).Receiver;
            try
            {
                return new HostedMachine(machine, weights, pool, new TcpKvListener(receiver, at), endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && bind.Port == 0 && attempt < 5)
            {
                machine.Dispose();
            }
            catch (SocketException e)
            {
                machine.Dispose();
                throw new ArgumentException($"--kv-listen {at}: cannot bind ({e.SocketErrorCode}: {e.Message}).", e);
            }
        }
    }

    private static string AdvertisedHost(SiloOptions options, IPAddress bound)
    {
        if (!SiloCommandLine.IsAnyAddress(bound)) return bound.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound}]" : bound.ToString();
        // Bound to every interface: peers reach it by the name the control API is advertised under.
        var advertise = options.Advertise ?? throw new ArgumentException($"--kv-listen binds every interface ({bound}); give --advertise HOST:PORT so peers know the host.");
        return advertise[..advertise.LastIndexOf(':')];
    }

    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        Machine.Dispose();
        _pool.Dispose();
        _weights.Dispose();
    }
}
