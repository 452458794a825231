using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;
using Splitwise.Engine.Tokenization;
using Splitwise.Silo.Machines;

namespace Splitwise.Gateway.OpenAi;

/// <summary>
/// Runs every choice of one request on the cluster and merges their outputs into one ordered stream of deltas:
/// text decoded incrementally, stop strings cut out, EOS/stop tokens left out of the text. Cancelling the
/// enumeration (client gone) cancels every choice, which frees their KV blocks at their machines' next step.
/// </summary>
/// <param name="generate">Runs one sequence somewhere and streams its events (the cluster runner).</param>
public sealed class ChoiceRunner(Func<int[], SamplingParams, CancellationToken, IAsyncEnumerable<GenerationEvent>> generate, Tokenizer? tokenizer, IReadOnlyList<int> eosTokenIds)
{
    public int PromptTokens { get; private set; }
    public int CompletionTokens { get; private set; }

    public async IAsyncEnumerable<ChoiceDelta> RunAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var merged = Channel.CreateUnbounded<(int Choice, GenerationEvent Event)>();
        var choices = new List<CancellationTokenSource>();
        var sources = new List<IAsyncEnumerable<GenerationEvent>>();
        var states = new List<ChoiceState>();
        try
        {
            foreach (var prompt in request.Prompts)
            {
                for (int i = 0; i < request.N; i++)
                {
                    var sampling = request.Sampling.Seed is { } seed ? request.Sampling with { Seed = seed + i } : request.Sampling;
                    var choice = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    choices.Add(choice);
                    sources.Add(generate(prompt, sampling, choice.Token));
                    states.Add(new ChoiceState(states.Count, request, tokenizer, eosTokenIds));
                    PromptTokens += prompt.Length;
                }
            }
            var pumps = sources.Select((s, choice) => PumpAsync(s, choice, merged.Writer, choices[choice].Token)).ToArray();
            _ = Task.WhenAll(pumps).ContinueWith(t => merged.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

            await foreach (var (choice, ev) in merged.Reader.ReadAllAsync(cancellationToken))
            {
                var state = states[choice];
                if (state.Done) continue;
                var delta = state.Apply(ev);
                if (state.Done && ev.Finish is null) await choices[choice].CancelAsync(); // a stop string ended it early
                if (delta != null) yield return delta;
            }
            CompletionTokens = states.Sum(s => s.CompletionTokens);
        }
        finally
        {
            foreach (var choice in choices)
            {
                await choice.CancelAsync();
                choice.Dispose();
            }
        }
    }

    /// <summary>Copies one choice's events into the merged channel; a choice cancelled on purpose just stops.</summary>
    private static async Task PumpAsync(IAsyncEnumerable<GenerationEvent> events, int choice, ChannelWriter<(int, GenerationEvent)> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var ev in events.WithCancellation(cancellationToken)) writer.TryWrite((choice, ev));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One choice's decoding state.</summary>
    private sealed class ChoiceState(int index, GenerationRequest request, Tokenizer? tokenizer, IReadOnlyList<int> eos)
    {
        private readonly IncrementalDetokenizer? _detokenizer = tokenizer?.CreateIncrementalDetokenizer(skipSpecialTokens: true);
        private readonly StopStringMatcher _stops = new(request.Stop);

        public bool Done { get; private set; }
        public int CompletionTokens { get; private set; }

        public ChoiceDelta? Apply(GenerationEvent ev)
        {
            var tokens = new List<SampledToken>();
            string text = "";
            if (ev.Token is { } token)
            {
                CompletionTokens++;
                bool isStopToken = ev.Finish == FinishReason.Stop && (eos.Contains(token.Id) || request.Sampling.StopTokenIds.Contains(token.Id));
                tokens.Add(token);
                if (!isStopToken) text = _stops.Append(_detokenizer?.Add(token.Id) ?? "");
            }
            string? finish = null;
            if (_stops.Stopped) finish = "stop";
            else if (ev.Finish is { } reason)
            {
                text += _stops.Append(_detokenizer?.Finish() ?? "");
                text += _stops.Flush();
                finish = _stops.Stopped ? "stop" : reason switch
                {
                    FinishReason.Stop => "stop",
                    FinishReason.Length => "length",
                    _ => "abort",
                };
            }
            if (finish != null) Done = true;
            return text.Length == 0 && tokens.Count == 0 && finish is null ? null : new ChoiceDelta(index, text, tokens, finish);
        }
    }
}
