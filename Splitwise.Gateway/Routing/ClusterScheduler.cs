using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.Routing;

/// <summary>
/// The cluster-level scheduler: gives each arriving request a (prompt, token) machine pair, one machine to run it
/// wholly, or a refusal, and keeps the pools. Thread-safe: every call holds one lock for a few microseconds.
/// <para>
/// In order: (1) split, unless the chosen prompt machine's queue passes <see cref="ClusterSchedulerOptions.PromptQueueThreshold"/>
/// or no token machine has room for the prompt plus max_tokens; (2) whole, on a mixed-pool machine with room and a
/// short queue; (3) whole, on a machine borrowed into the mixed pool from the side that is not the bottleneck (a
/// token machine when prompts queue up, a prompt machine when token memory is full); (4) whole, on any machine
/// with room; (5) reject.
/// </para>
/// <para>
/// A borrowed machine keeps its home identity and still takes split halves of its home kind: lending it adds whole
/// requests to it and takes nothing away, so its side never sits idle waiting for it. It returns home when the
/// last whole request it was given is released.
/// </para>
/// </summary>
public sealed class ClusterScheduler
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private List<MachineSnapshot> _reported = [];
    private readonly Dictionary<long, RoutingDecision> _routed = [];
    // Whole requests on machines whose home is not the mixed pool: while a machine has any, it is borrowed. Kept
    // across refreshes: a machine that misses one report still runs its requests until the gateway releases them.
    private readonly Dictionary<MachineId, int> _borrowedWork = [];
    // Load routed since the last snapshot that could show it, so a burst between refreshes spreads out: by request,
    // and summed by machine so that routing costs the same however many requests are in flight.
    private readonly Dictionary<long, UnreflectedLoad[]> _unreflected = [];
    private readonly Dictionary<MachineId, (int Pending, int Blocks)> _added = [];

    private readonly record struct UnreflectedLoad(MachineId Machine, DateTimeOffset RoutedAt, int PromptTokens, int Blocks);

    public ClusterScheduler(IRoutingPolicy policy, ClusterSchedulerOptions? options = null, TimeProvider? time = null)
    {
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        Options = options ?? new ClusterSchedulerOptions();
        Options.Validate();
        _time = time ?? TimeProvider.System;
    }

    public IRoutingPolicy Policy { get; }
    public ClusterSchedulerOptions Options { get; }

    /// <summary>Requests routed and not yet released.</summary>
    public int ActiveRequests { get { lock (_lock) return _routed.Count; } }

    /// <summary>
    /// Replaces the directory with <paramref name="cluster"/>: machines missing from it are no longer routed to. Load
    /// routed after <see cref="ClusterSnapshot.TakenAt"/> stays added on top; the snapshot's Pool values are ignored.
    /// </summary>
    public void Refresh(ClusterSnapshot cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(cluster.Machines);
        var seen = new HashSet<MachineId>();
        foreach (var m in cluster.Machines)
        {
            if (m is null) throw new ArgumentException("The cluster snapshot lists a null machine.", nameof(cluster));
            m.Validate();
            if (!seen.Add(m.Id)) throw new ArgumentException($"The cluster snapshot lists machine {m.Id} twice.", nameof(cluster));
        }
        var machines = cluster.Machines.OrderBy(m => m.Id.Value, StringComparer.Ordinal).ToList();
        lock (_lock)
        {
            _reported = machines;
            _added.Clear();
            foreach (var (requestId, loads) in _unreflected.ToList())
            {
                var kept = loads.Where(u => u.RoutedAt > cluster.TakenAt && seen.Contains(u.Machine)).ToArray();
                if (kept.Length == 0) _unreflected.Remove(requestId);
                else _unreflected[requestId] = kept;
                foreach (var u in kept) Add(u, +1);
            }
        }
    }

    /// <summary>
    /// Decides where request <paramref name="requestId"/> runs. Unless it is rejected, the scheduler counts it against
    /// the machines it chose until <see cref="Release"/> is called with the same id.
    /// </summary>
    public RoutingDecision Route(long requestId, RequestShape request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            if (_routed.ContainsKey(requestId))
                throw new InvalidOperationException($"Request {requestId} is already routed; release it before routing it again.");
            var view = View(request.Avoid);
            var decision = Decide(request, view);
            if (decision is not RoutingDecision.Reject) Record(requestId, request, decision, view);
            return decision;
        }
    }

    /// <summary>The request ended (finished, failed or moved): its machines stop counting it. Unknown ids are ignored.</summary>
    public void Release(long requestId)
    {
        lock (_lock)
        {
            if (!_routed.Remove(requestId, out var decision)) return;
            if (_unreflected.Remove(requestId, out var loads))
                foreach (var u in loads) Add(u, -1);
            if (decision is RoutingDecision.Whole { Borrowed: true } whole && _borrowedWork.TryGetValue(whole.Machine, out int n))
            {
                if (n <= 1) _borrowedWork.Remove(whole.Machine);
                else _borrowedWork[whole.Machine] = n - 1;
            }
        }
    }

    /// <summary>The machines as the scheduler sees them now, in id order: reported load plus unreflected routing, pools set.</summary>
    public IReadOnlyList<MachineSnapshot> Machines { get { lock (_lock) return View([]); } }

    public PoolMembership Pools
    {
        get
        {
            var view = Machines;
            List<MachineId> In(Func<MachineSnapshot, bool> where) => view.Where(where).Select(m => m.Id).ToList();
            return new PoolMembership(
                In(m => m.Pool == MachineRole.Prompt), In(m => m.Pool == MachineRole.Token), In(m => m.Pool == MachineRole.Mixed), In(m => m.IsBorrowed));
        }
    }

    private RoutingDecision Decide(RequestShape request, List<MachineSnapshot> view)
    {
        int kv = request.KvTokens;
        bool Busy(MachineSnapshot m) => m.PendingPromptTokens > Options.PromptQueueThreshold;

        var prompts = view.Where(m => m.HomeRole == MachineRole.Prompt && m.CouldEverHold(request.PromptTokens)).ToList();
        var tokens = view.Where(m => m.HomeRole == MachineRole.Token && m.HasRoomFor(kv)).ToList();
        var prompt = prompts.Count > 0 ? Policy.PickPromptMachine(request, prompts) : null;
        var token = tokens.Count > 0 ? Policy.PickTokenMachine(request, tokens) : null;
        bool promptSideBusy = prompt is null || Busy(prompt);
        bool tokenSideFull = token is null;
        if (!promptSideBusy && !tokenSideFull) return new RoutingDecision.Split(prompt!.Id, token!.Id);

        var mixed = view.Where(m => m.Pool == MachineRole.Mixed && m.HasRoomFor(kv) && !Busy(m)).ToList();
        if (mixed.Count > 0) return Whole(Policy.PickWholeMachine(request, mixed));

        var lenders = view.Where(m => m.Pool != MachineRole.Mixed && m.HasRoomFor(kv) && !Busy(m)
            && ((promptSideBusy && m.HomeRole == MachineRole.Token) || (tokenSideFull && m.HomeRole == MachineRole.Prompt))).ToList();
        if (lenders.Count > 0) return Whole(Policy.PickWholeMachine(request, lenders));

        var any = view.Where(m => m.HasRoomFor(kv)).ToList();
        if (any.Count > 0) return Whole(Policy.PickWholeMachine(request, any));

        return Refusal(request, view);
    }

    private static RoutingDecision.Whole Whole(MachineSnapshot m) => new(m.Id, Borrowed: m.HomeRole != MachineRole.Mixed);

    private RoutingDecision.Reject Refusal(RequestShape request, List<MachineSnapshot> view)
    {
        string need = $"{request.KvTokens} tokens of KV ({request.PromptTokens} prompt + {request.MaxTokens} max_tokens)";
        if (view.Count == 0)
            return new(RejectionCause.NoMachines, Options.RetryAfter,
                _reported.Count == 0 ? "No machines are registered." : $"All {_reported.Count} machines are excluded for this request.");
        if (!view.Any(m => m.CouldEverHold(request.KvTokens)))
        {
            long largest = view.Max(m => (long)m.KvBlocksTotal * m.BlockSize);
            return new(RejectionCause.TooLarge, null, $"The request needs {need}; the largest machine holds {largest} tokens.");
        }
        return new(RejectionCause.Saturated, Options.RetryAfter, $"No machine has room for {need} now; all {view.Count} are full.");
    }

    private void Record(long requestId, RequestShape request, RoutingDecision decision, List<MachineSnapshot> view)
    {
        _routed[requestId] = decision;
        var now = _time.GetUtcNow();
        MachineSnapshot Find(MachineId id) => view.First(m => m.Id == id);
        UnreflectedLoad[] loads = decision switch
        {
            // The prompt machine holds the prompt's blocks while it prefills and ships them; the token machine reserves the whole request.
            RoutingDecision.Split split =>
            [
                new(split.PromptMachine, now, request.PromptTokens, Find(split.PromptMachine).BlocksFor(request.PromptTokens)),
                new(split.TokenMachine, now, 0, Find(split.TokenMachine).BlocksFor(request.KvTokens)),
            ],
            RoutingDecision.Whole whole => [new(whole.Machine, now, request.PromptTokens, Find(whole.Machine).BlocksFor(request.KvTokens))],
            _ => [],
        };
        _unreflected[requestId] = loads;
        foreach (var u in loads) Add(u, +1);
        if (decision is RoutingDecision.Whole { Borrowed: true } borrowed)
            _borrowedWork[borrowed.Machine] = _borrowedWork.GetValueOrDefault(borrowed.Machine) + 1;
    }

    private void Add(UnreflectedLoad u, int sign)
    {
        var (pending, blocks) = _added.GetValueOrDefault(u.Machine);
        (pending, blocks) = (pending + sign * u.PromptTokens, blocks + sign * u.Blocks);
        if (pending == 0 && blocks == 0) _added.Remove(u.Machine);
        else _added[u.Machine] = (pending, blocks);
    }

    private List<MachineSnapshot> View(IReadOnlyCollection<MachineId> avoid)
    {
        var view = new List<MachineSnapshot>(_reported.Count);
        foreach (var m in _reported)
        {
            if (avoid.Contains(m.Id)) continue;
            var extra = _added.GetValueOrDefault(m.Id);
            int pending = m.PendingPromptTokens + extra.Pending, used = m.KvBlocksUsed + extra.Blocks;
            bool mixed = m.HomeRole == MachineRole.Mixed || _borrowedWork.ContainsKey(m.Id);
            view.Add(m with { PendingPromptTokens = pending, KvBlocksUsed = used, Pool = mixed ? MachineRole.Mixed : m.HomeRole });
        }
        return view;
    }
}
