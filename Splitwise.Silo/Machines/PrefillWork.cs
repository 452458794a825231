using System.Diagnostics;
using Splitwise.Engine.Scheduling;
using Splitwise.Silo.KvTransfer;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Silo.Machines;

/// <summary>
/// The prompt side of a split request: prefill, sample the first token, and make sure the token machine has the
/// whole KV before answering. Shared by prompt and mixed machines.
/// </summary>
internal sealed class PrefillWork(EngineLoop loop, KvStreamSender sender)
{
    public async Task<PrefillResult> PrefillAsync(PrefillOrder order, CancellationToken cancellationToken)
    {
        long arrival = Stopwatch.GetTimestamp();
        Sequence? seq = null;
        // The engine stops after one token; whether that token really ends the request is judged below with the real limits.
        // min_tokens is capped too (a request's min_tokens may exceed this one-token budget); it still keeps EOS out of the first token.
        var stream = loop.Submit(order.Prompt, order.Sampling with { MaxTokens = 1, MinTokens = Math.Min(order.Sampling.MinTokens, 1) },
            beforeQueued: s =>
            {
                seq = s;
                sender.Route(s.Id, order.Handoff, order.Prompt.Length);
            });
        bool settled = false;
        try
        {
            GenerationEvent? first = null;
            await foreach (var ev in stream.Events.ReadAllAsync(cancellationToken))
                if (ev.Token is not null) first = ev;
            if (first?.Token is not { } token)
                throw new KvTransferException($"Request {order.RequestId} was withdrawn from the prompt machine before its first token.", order.RequestId);
            long sampled = Stopwatch.GetTimestamp();
            long started = seq!.FirstScheduledTimestamp == 0 ? arrival : seq.FirstScheduledTimestamp;
            var engine = loop.Engine;
            var finish = StepScheduler.StopReason(order.Sampling, 1, order.Prompt.Length + 1, token.Id, engine.EosTokenIds, engine.MaxModelLength);
            TimeSpan queued = Stopwatch.GetElapsedTime(arrival, started), prefill = Stopwatch.GetElapsedTime(started, sampled);
            if (finish is not null)
            {
                settled = true;
                sender.Cancel(seq.Id);
                return new PrefillResult(token, finish, new PrefillTiming(queued, prefill, TimeSpan.Zero, 0));
            }
            var report = await sender.CompleteAsync(seq.Id, cancellationToken);
            settled = true;
            return new PrefillResult(token, null, new PrefillTiming(queued, prefill, report.NonOverlapped, report.Bytes));
        }
        finally
        {
            if (!settled)
            {
                stream.Cancel();
                if (seq != null) sender.Cancel(seq.Id);
            }
        }
    }
}
