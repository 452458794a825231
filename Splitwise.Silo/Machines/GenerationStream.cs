using System.Threading.Channels;

namespace Splitwise.Silo.Machines;

/// <summary>
/// The caller's end of one request inside a machine: read events until a finish; cancel to withdraw it
/// (its KV blocks are freed at the start of the machine's next step).
/// </summary>
public sealed class GenerationStream(long sequenceId, ChannelReader<GenerationEvent> events, Action<long> cancel)
{
    public long SequenceId { get; } = sequenceId;
    public ChannelReader<GenerationEvent> Events { get; } = events;

    public void Cancel() => cancel(SequenceId);
}
