using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Silo.Machines;

/// <summary>One event on a request's stream: a token (with its 0-based index in the output), a finish, or both.</summary>
public sealed record GenerationEvent(int Index, SampledToken? Token, FinishReason? Finish);
