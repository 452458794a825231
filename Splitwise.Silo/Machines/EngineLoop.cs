using System.Collections.Concurrent;
using System.Threading.Channels;
using Splitwise.Engine;
using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Silo.Machines;

/// <summary>
/// Runs one <see cref="LlmEngine"/> on its own thread, one step at a time (a machine's single turn), and routes
/// each step's outputs to the requests' channels. Submissions and cancellations from any thread are picked up
/// at the next step; an idle loop sleeps until work arrives. If a step fails, every live request is finished
/// with the error rather than left waiting.
/// </summary>
public sealed class EngineLoop : IDisposable
{
    private readonly LlmEngine _engine;
    private readonly ConcurrentDictionary<long, Channel<GenerationEvent>> _streams = new();
    private readonly SemaphoreSlim _wake = new(0);
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
    public GenerationStream Submit(int[] prompt, SamplingParams sampling)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var channel = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var seq = _engine.AddRequest(prompt, sampling, s => _streams[s.Id] = channel);
        _wake.Release();
        return new GenerationStream(seq.Id, channel.Reader, Cancel);
    }

    public void Cancel(long sequenceId)
    {
        _engine.Abort(sequenceId);
        _wake.Release();
    }

    public MachineLoad Load => new(_engine.RunningCount, _engine.WaitingCount, _engine.BlocksUsed, _engine.BlocksTotal,
                                   _engine.LastBatchSize, _engine.LastBatchTokens, _engine.PrefixHitRate, Interlocked.Read(ref _steps));

    private void Run()
    {
        while (!_stopping)
        {
            if (!_engine.HasWork)
            {
                _wake.Wait(100);
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
        _stopping = true;
        _wake.Release();
        _thread.Join();
    }
}
