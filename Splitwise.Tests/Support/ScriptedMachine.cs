using System.Runtime.CompilerServices;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Tests.Support;

/// <summary>
/// A machine with no model: output token i of any request is <c>1000 + i</c>, and a request ends after max_tokens.
/// Faults are scripted: fail a decode after some tokens, refuse reservations, repeat or skip an index. Lets the
/// cluster runner's routing, assembly and failover be tested on exact, known streams.
/// </summary>
public sealed class ScriptedMachine(string id, MachineRole role) : IPromptMachine, ITokenMachine
{
    public MachineId Id { get; } = new(id);
    public MachineRole Role { get; } = role;
    public int FailDecodeAfter { get; set; } = int.MaxValue;
    public int FailGenerateAfter { get; set; } = int.MaxValue;
    public bool RefuseReservations { get; set; }
    public bool FailPrefill { get; set; }
    /// <summary>Send every decode token twice (a duplicate the assembler must drop).</summary>
    public bool RepeatTokens { get; set; }
    /// <summary>Skip this output index in decode (a gap the assembler must refuse).</summary>
    public int SkipIndex { get; set; } = -1;
    public List<string> Calls { get; } = [];
    public HashSet<long> Reserved { get; } = [];
    public List<GenerateOrder> Generated { get; } = [];

    public static int TokenAt(int index) => 1000 + index;

    private static GenerationEvent Event(int index, SamplingParams p) =>
        new(index, new SampledToken(TokenAt(index), -0.5f, null), index + 1 >= p.MaxTokens ? FinishReason.Length : null);

    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (Calls) { Calls.Add($"generate from {order.OutputSoFar.Count}"); Generated.Add(order); }
        for (int i = order.OutputSoFar.Count, sent = 0; i < order.Sampling.MaxTokens; i++, sent++)
        {
            await Task.Yield();
            if (sent >= FailGenerateAfter) throw new IOException($"{Id} died");
            yield return Event(i, order.Sampling);
        }
    }

    public ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new MachineLoad(0, 0, 0, 1000, 0, 0, 0, 0));

    public Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add("prefill");
        if (FailPrefill) throw new KvTransferException($"{Id}: transfer of {order.RequestId} failed", order.RequestId);
        var first = Event(0, order.Sampling);
        return Task.FromResult(new PrefillResult(first.Token!.Value, first.Finish, new PrefillTiming(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(3), 100)));
    }

    private readonly Dictionary<long, SamplingParams> _sampling = [];

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add("reserve");
        if (RefuseReservations) return Task.FromResult(new KvReservationGrant(false, "scripted", TimeSpan.FromSeconds(5), "full"));
        lock (Reserved) { Reserved.Add(reservation.RequestId); _sampling[reservation.RequestId] = reservation.Sampling; }
        return Task.FromResult(new KvReservationGrant(true, "scripted", TimeSpan.FromSeconds(5)));
    }

    public async IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SamplingParams p;
        lock (Reserved)
        {
            if (!Reserved.Remove(order.RequestId)) throw new KvTransferException("no reservation", order.RequestId);
            p = _sampling[order.RequestId];
        }
        lock (Calls) Calls.Add("decode");
        for (int i = 1, sent = 0; i < p.MaxTokens; i++, sent++)
        {
            await Task.Yield();
            if (sent >= FailDecodeAfter) throw new IOException($"{Id} died");
            if (i == SkipIndex) continue;
            yield return Event(i, p);
            if (RepeatTokens) yield return Event(i, p);
        }
    }

    /// <summary>Renewals that throw (an unreachable machine) before they start to answer.</summary>
    public int FailRenewals { get; set; }

    public Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add("renew");
        if (FailRenewals > 0)
        {
            FailRenewals--;
            throw new IOException($"{Id} unreachable");
        }
        lock (Reserved) return Task.FromResult(Reserved.Contains(requestId));
    }

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken)
    {
        lock (Calls) Calls.Add("release");
        lock (Reserved) Reserved.Remove(requestId);
        return Task.CompletedTask;
    }
}
