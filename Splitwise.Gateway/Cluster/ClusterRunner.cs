using System.Diagnostics;
using System.Runtime.CompilerServices;
using Splitwise.Engine.Sampling;
using Splitwise.Gateway.Metrics;
using Splitwise.Gateway.Routing;
using Splitwise.Gateway.Streaming;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Gateway.Cluster;

/// <summary>
/// Runs one sequence on the cluster: asks the cluster scheduler where, then either reserves KV on the token machine,
/// prefills on the prompt machine (which streams the KV across) and decodes on the token machine, or runs it wholly
/// on one machine. When a machine fails mid-way, the sequence resumes elsewhere by re-prefilling the prompt plus the
/// tokens already produced, and the assembler keeps the client's stream free of gaps and duplicates.
/// </summary>
/// <param name="time">The clock KV lease renewals run on; the system clock unless a test fakes it.</param>
public sealed class ClusterRunner(MachineDirectory directory, ClusterScheduler scheduler, ServingMetrics metrics, ILogger<ClusterRunner> log, ClusterRunnerOptions? options = null,
                                  TimeProvider? time = null)
{
    private readonly ClusterRunnerOptions _options = options ?? new ClusterRunnerOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    // Attempt ids name reservations on token machines; a random start keeps two gateway runs from reusing ids.
    private static long s_nextId = Random.Shared.NextInt64(1, 1L << 40) << 16;
    private int _inFlight;

    public ClusterScheduler Scheduler => scheduler;
    public MachineDirectory Directory => directory;

    /// <summary>Sequences being generated now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The sequence's events in order, numbered from 0. Throws <see cref="ClusterRejectedException"/> before the first
    /// event when no machine can take it, <see cref="ArgumentException"/> when no machine ever could, and
    /// <see cref="ClusterUnavailableException"/> when every retry failed.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> RunAsync(int[] prompt, SamplingParams sampling, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            var assembler = new TokenStreamAssembler();
            var avoid = new HashSet<MachineId>();
            Exception? lastError = null;
            for (int attempt = 1; !assembler.Finished; attempt++)
            {
                if (attempt > _options.MaxAttempts)
                    throw new ClusterUnavailableException($"The request failed on {attempt - 1} attempts; last: {lastError?.Message}", lastError);
                long id = Interlocked.Increment(ref s_nextId);
                var shape = new RequestShape(prompt.Length + assembler.Count, Math.Max(1, sampling.MaxTokens - assembler.Count)) { Avoid = avoid.ToList() };
                var decision = scheduler.Route(id, shape);
                if (decision is RoutingDecision.Reject reject)
                {
                    if (attempt == 1) throw new ClusterRejectedException(reject);
                    // Mid-request: what it could use is gone or full. Wait briefly for capacity (or a replacement) and retry.
                    avoid.Clear();
                    await Task.Delay(_options.RetryDelay * attempt, cancellationToken);
                    continue;
                }
                try
                {
                    await foreach (var (ev, failure) in Guard(Attempt(id, decision, prompt, assembler.Output.ToArray(), sampling, cancellationToken), cancellationToken))
                    {
                        if (failure is not null)
                        {
                            lastError = failure.InnerException;
                            avoid.Add(failure.Machine);
                            metrics.CountRetry(failure.InnerException is KvTransferException ? "kv_transfer" : "machine_failure");
                            log.LogWarning("Attempt {Attempt} of a request on {Machine} failed after {Tokens} tokens; resuming elsewhere: {Error}",
                                attempt, failure.Machine, assembler.Count, failure.InnerException?.Message);
                            break;
                        }
                        GenerationEvent? accepted;
                        try
                        {
                            accepted = assembler.Accept(ev!);
                        }
                        catch (TokenStreamGapException gap)
                        {
                            lastError = gap;
                            metrics.CountRetry("stream_gap");
                            break;
                        }
                        if (accepted is not null) yield return accepted;
                    }
                }
                finally
                {
                    scheduler.Release(id);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private IAsyncEnumerable<GenerationEvent> Attempt(long id, RoutingDecision decision, int[] prompt, int[] outputSoFar, SamplingParams sampling, CancellationToken cancellationToken)
    {
        if (decision is RoutingDecision.Split split && outputSoFar.Length == 0
            && directory.TryGet(split.PromptMachine, out var p) && p is IPromptMachine prompter
            && directory.TryGet(split.TokenMachine, out var t) && t is ITokenMachine decoder)
            return SplitAsync(id, prompter, decoder, prompt, sampling, cancellationToken);
        // A resumed request re-prefills its output too, which only a whole run does: it goes where the decode was to go.
        var machineId = decision switch
        {
            RoutingDecision.Whole whole => whole.Machine,
            RoutingDecision.Split s => s.TokenMachine,
            _ => throw new InvalidOperationException($"Cannot run a {decision.GetType().Name} decision."),
        };
        if (!directory.TryGet(machineId, out var machine)) return Failed(machineId, new IOException($"Machine {machineId} left the directory."));
        return Blame(machine.Id, machine.GenerateAsync(new GenerateOrder(id, prompt, outputSoFar, sampling), cancellationToken), cancellationToken);
    }

    private async IAsyncEnumerable<GenerationEvent> SplitAsync(long id, IPromptMachine prompter, ITokenMachine decoder, int[] prompt, SamplingParams sampling, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        KvReservationGrant grant;
        try
        {
            grant = await decoder.ReserveAsync(new KvReservation(id, prompt, sampling), cancellationToken);
        }
        catch (Exception e) when (IsMachineFault(e, cancellationToken))
        {
            throw new AttemptFailure(decoder.Id, e);
        }
        if (!grant.Accepted) throw new AttemptFailure(decoder.Id, new KvTransferException($"Token machine {decoder.Id} refused the reservation: {grant.Reason}", id));

        PrefillResult result;
        try
        {
            result = await PrefillRenewingAsync(prompter, decoder, new PrefillOrder(id, prompt, sampling, new KvHandoff(decoder.Id, grant.KvEndpoint, id)), grant.Lease, cancellationToken);
        }
        catch (Exception e) when (IsMachineFault(e, cancellationToken))
        {
            await ReleaseQuietlyAsync(decoder, id);
            // A transfer that broke points at the receiving side as much as the sender; retrying on another token machine is the safe move.
            throw new AttemptFailure(e is KvTransferException ? decoder.Id : prompter.Id, e);
        }
        catch
        {
            await ReleaseQuietlyAsync(decoder, id);
            throw;
        }
        long prefillDone = Stopwatch.GetTimestamp();
        yield return new GenerationEvent(0, result.FirstToken, result.Finish);
        if (result.Finish is not null)
        {
            await ReleaseQuietlyAsync(decoder, id);
            yield break;
        }
        bool first = true;
        await foreach (var ev in Blame(decoder.Id, decoder.DecodeAsync(new DecodeOrder(id, result.FirstToken), cancellationToken), cancellationToken))
        {
            if (first)
            {
                first = false;
                var t = result.Timing;
                metrics.RecordHops(new RequestTimeline(t.Queued, t.Prefill, t.TransferNonOverlapped, Stopwatch.GetElapsedTime(prefillDone), t.TransferBytes));
            }
            yield return ev;
        }
    }

    /// <summary>
    /// Prefills while keeping the token machine's reservation alive: the prefill may wait in a busy prompt machine's
    /// queue for longer than the lease, and a lease lost there costs a failed transfer and a recomputed request.
    /// </summary>
    private async Task<PrefillResult> PrefillRenewingAsync(IPromptMachine prompter, ITokenMachine decoder, PrefillOrder order, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var keepAlive = lease > TimeSpan.Zero ? KvLeaseKeepAlive.Start(decoder, order.RequestId, lease, _time, log, cancellationToken) : null;
        return await prompter.PrefillAsync(order, cancellationToken);
    }

    private static bool IsMachineFault(Exception e, CancellationToken cancellationToken)
        => !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) && e is not ArgumentException;

    private static async Task ReleaseQuietlyAsync(ITokenMachine machine, long id)
    {
        try
        {
            await machine.ReleaseAsync(id, CancellationToken.None);
        }
        catch (Exception)
        {
            // The machine is gone or unreachable; its lease frees the blocks on its own.
        }
    }

    /// <summary>Turns any fault of <paramref name="source"/> into an <see cref="AttemptFailure"/> naming the machine.</summary>
    private static async IAsyncEnumerable<GenerationEvent> Blame(MachineId machine, IAsyncEnumerable<GenerationEvent> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (ev, failure) in Guard(source, cancellationToken))
        {
            if (failure is not null) throw failure.Machine == default ? new AttemptFailure(machine, failure.InnerException!) : failure;
            yield return ev!;
        }
    }

    private static async IAsyncEnumerable<GenerationEvent> Failed(MachineId machine, Exception error)
    {
        await Task.CompletedTask;
        throw new AttemptFailure(machine, error);
#pragma warning disable CS0162 // an iterator needs a yield to be one
        yield break;
#pragma warning restore CS0162
    }

    /// <summary>
    /// Enumerates <paramref name="source"/>, handing a machine fault back as a value (C# cannot yield inside a catch).
    /// The client's own cancellation and requests no machine can run (ArgumentException) still throw.
    /// </summary>
    private static async IAsyncEnumerable<(GenerationEvent? Event, AttemptFailure? Failure)> Guard(IAsyncEnumerable<GenerationEvent> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var e = source.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                AttemptFailure? failure = null;
                bool more = false;
                try
                {
                    more = await e.MoveNextAsync();
                }
                catch (AttemptFailure f)
                {
                    failure = f;
                }
                catch (Exception ex) when (IsMachineFault(ex, cancellationToken))
                {
                    failure = new AttemptFailure(default, ex);
                }
                if (failure is not null)
                {
                    yield return (null, failure);
                    yield break;
                }
                if (!more) yield break;
                yield return (e.Current, null);
            }
        }
        finally
        {
            try
            {
                await e.DisposeAsync();
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Disposing a stream whose machine just failed can fail too; the failure is already reported.
            }
        }
    }

    /// <summary>One attempt failed because of <see cref="Machine"/> (default when not yet known).</summary>
    private sealed class AttemptFailure(MachineId machine, Exception cause) : Exception(cause.Message, cause)
    {
        public MachineId Machine { get; } = machine;
    }
}
