using Splitwise.Gateway.Routing;
using static Splitwise.Tests.Gateway.Routing.Machines;

namespace Splitwise.Tests.Gateway.Routing;

public class ClusterSchedulerConcurrencyTests
{
    private static readonly MachineSnapshot[] Cluster =
    [
        Prompt("prompt-0", total: 100_000), Prompt("prompt-1", total: 100_000),
        Token("token-0", total: 100_000), Token("token-1", total: 100_000), Mixed("mixed-0", total: 100_000),
    ];

    [Fact]
    public void Parallel_routing_loses_no_load_and_parallel_releases_leave_nothing_behind()
    {
        // The threshold is low so that splits, mixed-pool runs and borrowing all happen under contention.
        var c = new ScriptedCluster(options: new ClusterSchedulerOptions { PromptQueueThreshold = 5_000 }).Set(Cluster);
        const int n = 1000;
        var decisions = new RoutingDecision[n];
        var shapes = Enumerable.Range(0, n).Select(i => new RequestShape(50 + i % 97, 10 + i % 31)).ToArray();
        OnThreads(n, i => decisions[i] = c.Scheduler.Route(i, shapes[i]));

        Assert.DoesNotContain(decisions, d => d is RoutingDecision.Reject);
        Assert.Equal(n, c.Scheduler.ActiveRequests);
        Assert.Contains(decisions, d => d is RoutingDecision.Split);
        Assert.Contains(decisions, d => d is RoutingDecision.Whole { Borrowed: false });
        Assert.Contains(decisions, d => d is RoutingDecision.Whole { Borrowed: true });
        // Every routed request's load is in the view exactly once.
        long expectedPending = decisions.Select((d, i) => d is RoutingDecision.Reject ? 0 : shapes[i].PromptTokens).Sum();
        Assert.Equal(expectedPending, c.Scheduler.Machines.Sum(m => (long)m.PendingPromptTokens));

        OnThreads(n, i =>
        {
            c.Scheduler.Release(i);
            if (i % 50 == 0) c.Scheduler.Refresh(new ClusterSnapshot(Cluster, c.Clock.Now - TimeSpan.FromSeconds(1)));
        });
        Assert.Equal(0, c.Scheduler.ActiveRequests);
        Assert.Empty(c.Scheduler.Pools.Borrowed);
        Assert.All(c.Scheduler.Machines, m => Assert.Equal((0, 0), (m.PendingPromptTokens, m.KvBlocksUsed)));
    }

    /// <summary>Four threads released together, each taking every fourth index, so calls really overlap.</summary>
    private static void OnThreads(int n, Action<int> body)
    {
        const int threads = 4;
        using var start = new Barrier(threads);
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try { for (int i = t; i < n; i += threads) body(i); }
            catch (Exception e) { errors.Add(e); }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Empty(errors);
    }
}
