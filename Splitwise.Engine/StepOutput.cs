using Splitwise.Engine.Sampling;
using Splitwise.Engine.Scheduling;

namespace Splitwise.Engine;

/// <summary>What one step produced for one sequence: a new token, a finish, or both.</summary>
public sealed record StepOutput(Sequence Sequence, SampledToken? Token, FinishReason? Finish);
