using Splitwise.Silo.Machines;

namespace Splitwise.Silo.Wire;

/// <summary>
/// One line of a streamed generate or decode response (newline-delimited JSON, flushed per event): an event, or
/// the error that ended the stream after it had started. A stream that ends with neither a finish nor an error was cut off.
/// </summary>
public sealed record EventLine(GenerationEvent? Event, ControlError? Error = null);
