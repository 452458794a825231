using System.Collections.Concurrent;
using System.Threading.Channels;
using Splitwise.Engine;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Silo.Machines;

/// <summary>
/// Runs one <see cref="LlmEngine"/> on its own thread (a machine's single turn): mailbox turns first, then one
/// engine step, whose outputs go to the requests' channels. An idle loop sleeps until mail arrives. If a step
/// fails, every live request is finished with the error rather than left waiting.
/// </summary>
public sealed class EngineLoop : IDisposable
{
    private readonly LlmEngine _engine;
    private readonly MachineMailbox _mailbox = new();
    private readonly ConcurrentDictionary<long, Channel<GenerationEvent>> _streams = new();
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _steps;

    public EngineLoop(LlmEngine engine, string name = "engine")
    {
        _engine = engine;
        _thread = new Thread(Run) { IsBackground = true, Name = $"splitwise-{name}-loop" };
        _thread.Start();
    }

    public LlmEngine Engine => _engine;

    /// <summary>Requests accepted and not yet finished.</summary>
    public int LiveCount => _streams.Count;

    /// <summary>Throws <see cref="ArgumentException"/> if the request can never run here.</summary>
    /// <param name="beforeQueued">Runs before the loop can step the sequence (e.g. route its KV somewhere).</param>
    public GenerationStream Submit(int[] prompt, SamplingParams sampling, IReadOnlyList<int>? outputSoFar = null, Action<Sequence>? beforeQueued = null)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var channel = NewChannel();
        var seq = _engine.AddRequest(prompt, sampling, s =>
        {
            beforeQueued?.Invoke(s);
            _streams[s.Id] = channel;
        }, outputSoFar);
        _mailbox.Wake();
        return new GenerationStream(seq.Id, channel.Reader, Cancel);
    }

    /// <summary>Runs <paramref name="turn"/> on the loop thread between steps, where it may touch the engine directly.</summary>
    public Task<T> InvokeAsync<T>(Func<LlmEngine, T> turn)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        return _mailbox.Post(() => turn(_engine));
    }

    /// <summary>
    /// Inside a turn: opens the event stream of a sequence already in the engine (a handed-off request resumed here).
    /// A sequence that finished on being resumed gets its finish at once.
    /// </summary>
    public GenerationStream Attach(Sequence seq)
    {
        var channel = NewChannel();
        if (seq.IsFinished)
        {
            channel.Writer.TryWrite(new GenerationEvent(seq.Output.Count, null, seq.FinishReason));
            channel.Writer.TryComplete();
        }
        else
        {
            _streams[seq.Id] = channel;
        }
        return new GenerationStream(seq.Id, channel.Reader, Cancel);
    }

    public void Cancel(long sequenceId)
    {
        _engine.Abort(sequenceId);
        _mailbox.Wake();
    }

    public MachineLoad Load => new(_engine.RunningCount, _engine.WaitingCount, _engine.BlocksUsed, _engine.BlocksTotal,
                                   _engine.LastBatchSize, _engine.LastBatchTokens, _engine.PrefixHitRate, Interlocked.Read(ref _steps))
    {
        PendingPromptTokens = _engine.PendingPromptTokens,
        AwaitingKv = _engine.AwaitingKvCount,
    };

    private static Channel<GenerationEvent> NewChannel()
        => Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private void Run()
    {
        while (!_stopping)
        {
            _mailbox.RunPending();
            if (!_engine.HasWork)
            {
                _mailbox.WaitForMail(TimeSpan.FromMilliseconds(100));
                continue;
            }
            try
            {
                foreach (var output in _engine.Step()) Deliver(output);
                Interlocked.Increment(ref _steps);
            }
            catch (Exception e)
            {
                FailAll(e);
            }
        }
        _mailbox.RunPending();
        FailAll(new OperationCanceledException("The machine is shutting down."));
    }

    private void Deliver(StepOutput output)
    {
        if (!_streams.TryGetValue(output.Sequence.Id, out var channel)) return;
        int index = output.Token is null ? output.Sequence.Output.Count : output.Sequence.Output.Count - 1;
        channel.Writer.TryWrite(new GenerationEvent(index, output.Token, output.Finish));
        if (output.Finish is not null && _streams.TryRemove(output.Sequence.Id, out _)) channel.Writer.TryComplete();
    }

    private void FailAll(Exception error)
    {
        foreach (var (id, channel) in _streams)
        {
            if (!_streams.TryRemove(id, out _)) continue;
            _engine.Abort(id);
            channel.Writer.TryComplete(error);
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _mailbox.Wake();
        _thread.Join();
    }
}
