using Splitwise.Engine;
using Splitwise.Engine.Model;
using Splitwise.Kernels.Threading;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// Machines hosted inside the gateway process, over the same machine interfaces as remote silos, with KV moving
/// through in-memory pipes. They share the loaded weights; each has its own KV cache, engine loop and worker threads.
/// </summary>
public sealed class EmbeddedCluster : IDisposable
{
    private readonly List<Machine> _machines = [];
    private readonly List<WorkerPool> _pools = [];

    /// <param name="threadsPerMachine">Kernel threads of each machine; null splits the cores evenly (at least one each).</param>
    /// <param name="wrapTransport">Wraps the transport the senders use (fault injection in tests).</param>
    /// <param name="time">The clock the token side's KV leases run on; the system clock unless a test fakes it.</param>
    public EmbeddedCluster(LlamaWeights weights, EmbeddedSpec spec, EngineOptions engineOptions, KvTransferOptions transferOptions, int? threadsPerMachine = null,
                           Func<IKvTransport, IKvTransport>? wrapTransport = null, TimeProvider? time = null)
    {
        Transport = new InMemoryKvTransport();
        var senderTransport = wrapTransport?.Invoke(Transport) ?? Transport;
        int threads = threadsPerMachine ?? Math.Max(1, Environment.ProcessorCount / spec.MachineCount);
        try
        {
            foreach (var (id, role) in spec.Machines())
            {
                var pool = new WorkerPool(threads);
                _pools.Add(pool);
                var engine = new LlmEngine(weights, engineOptions with { Scheduler = MachineRoleDefaults.SchedulerFor(role, engineOptions.Scheduler) }, pool);
                string endpoint = $"memory:{id}";
                Machine machine = role switch
                {
                    MachineRole.Prompt => new PromptMachine(id, engine, senderTransport, transferOptions),
                    MachineRole.Token => new TokenMachine(id, engine, endpoint, transferOptions, time),
                    _ => new MixedMachine(id, engine, senderTransport, endpoint, transferOptions, time),
                };
                if (machine is TokenMachine token) Transport.Register(endpoint, token.Receiver);
                if (machine is MixedMachine mixed) Transport.Register(endpoint, mixed.Receiver);
                _machines.Add(machine);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public InMemoryKvTransport Transport { get; }
    public IReadOnlyList<Machine> Machines => _machines;

    public void Dispose()
    {
        foreach (var machine in _machines) machine.Dispose();
        foreach (var pool in _pools) pool.Dispose();
        Transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _machines.Clear();
        _pools.Clear();
    }
}
