using System.Collections.Concurrent;
using System.Diagnostics;
using Splitwise.LoadTest.Client;
using Splitwise.LoadTest.Prompts;
using Splitwise.LoadTest.Workloads;

namespace Splitwise.LoadTest.Running;

/// <summary>Sends a workload open loop (at planned arrival times) or closed loop (N workers) and collects the results.</summary>
public sealed class LoadRunner(OpenAiStreamClient client, IPromptSource prompts, Cli.ApiEndpoint endpoint, int seed)
{
    private int _inFlight;
    // One stream for the runner's lifetime: the baseline and each run of a sweep get fresh prompts. Reseeding per run
    // would resend identical prompts, and a server with prefix caching would serve later runs from its cache.
    private readonly Random _promptRandom = new(unchecked(seed * 31 + 101));

    /// <summary>Requests in flight right now (for progress displays).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Builds every request body before the clock starts, so prompt generation cannot delay a send.</summary>
    public List<PreparedRequest> Prepare(IReadOnlyList<PlannedRequest> plan)
    {
        var rng = _promptRandom;
        return plan.Select(p =>
        {
            var prompt = endpoint == Cli.ApiEndpoint.Chat ? System.Text.Json.Nodes.JsonValue.Create(prompts.BuildText(p.PromptTokens, rng)) : prompts.Build(p.PromptTokens, rng);
            return new PreparedRequest(p, client.BuildBody(prompt, p.OutputTokens).ToJsonString());
        }).ToList();
    }

    /// <param name="onResult">Called (from any thread) as each request ends.</param>
    public async Task<RunOutcome> RunAsync(IReadOnlyList<PreparedRequest> requests, RunLimits limits, Action<RequestResult>? onResult, CancellationToken cancellationToken)
    {
        using var requestCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var results = new ConcurrentQueue<RequestResult>();
        long start = Stopwatch.GetTimestamp();
        int sent = 0;
        string? stop = null;

        async Task SendOneAsync(PreparedRequest r)
        {
            Interlocked.Increment(ref _inFlight);
            var result = await client.SendAsync(r.Plan.Index, r.Body, r.Plan.PromptTokens, r.Plan.OutputTokens, start, requestCts.Token).ConfigureAwait(false);
            Interlocked.Decrement(ref _inFlight);
            results.Enqueue(result);
            onResult?.Invoke(result);
        }

        bool PastDuration() => Stopwatch.GetElapsedTime(start) >= limits.Duration;

        var tasks = new List<Task>();
        if (limits.ClosedLoop)
        {
            int next = -1;
            int workers = limits.Concurrency ?? 1;
            for (int w = 0; w < workers; w++)
            {
                tasks.Add(Task.Run(async () =>
                {
                    while (!cancellationToken.IsCancellationRequested && !PastDuration())
                    {
                        int i = Interlocked.Increment(ref next);
                        if (i >= requests.Count) break;
                        Interlocked.Increment(ref sent);
                        await SendOneAsync(requests[i]).ConfigureAwait(false);
                    }
                }, CancellationToken.None));
            }
            await Task.WhenAll(tasks).WaitAsync(limits.Duration, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        else
        {
            using var cap = limits.Concurrency is int c ? new SemaphoreSlim(c, c) : null;
            try
            {
                foreach (var r in requests)
                {
                    double wait = (r.Plan.ArrivalSeconds ?? 0) - Stopwatch.GetElapsedTime(start).TotalSeconds;
                    if (wait > limits.Duration.TotalSeconds) { stop = "duration reached"; break; }
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken).ConfigureAwait(false);
                    if (PastDuration()) { stop = "duration reached"; break; }
                    if (cap != null) await cap.WaitAsync(cancellationToken).ConfigureAwait(false);
                    sent++;
                    // Off the dispatch loop, so connection setup of one request cannot delay the next arrival.
                    tasks.Add(cap == null ? Task.Run(() => SendOneAsync(r), CancellationToken.None) : Task.Run(() => SendThenReleaseAsync(r, cap), CancellationToken.None));
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop sending; what is in flight is cancelled below.
            }
            async Task SendThenReleaseAsync(PreparedRequest r, SemaphoreSlim s)
            {
                try { await SendOneAsync(r).ConfigureAwait(false); }
                finally { s.Release(); }
            }
            await DrainAsync(tasks, limits, requestCts, cancellationToken).ConfigureAwait(false);
        }

        if (limits.ClosedLoop) await DrainAsync(tasks, limits, requestCts, cancellationToken).ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested) stop = "stopped by the user";
        else if (sent < requests.Count) stop ??= "duration reached";
        var list = results.ToList();
        double duration = list.Count == 0 ? Stopwatch.GetElapsedTime(start).TotalSeconds : list.Max(r => r.EndSeconds);
        return new RunOutcome(list, duration, requests.Count, requests.Count - sent, stop);
    }

    private static async Task DrainAsync(List<Task> tasks, RunLimits limits, CancellationTokenSource requestCts, CancellationToken userStop)
    {
        var all = Task.WhenAll(tasks);
        if (!userStop.IsCancellationRequested)
        {
            try
            {
                await all.WaitAsync(limits.Drain, userStop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Drain time is up or the user stopped the run: cancel what is left; it is recorded as 'cancelled'.
            }
        }
        await requestCts.CancelAsync().ConfigureAwait(false);
        await all.ConfigureAwait(false);
    }
}
