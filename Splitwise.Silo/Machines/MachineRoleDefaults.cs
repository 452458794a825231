using Splitwise.Engine.Scheduling;

namespace Splitwise.Silo.Machines;

/// <summary>Each role's machine-level scheduler, on top of the operator's base options.</summary>
public static class MachineRoleDefaults
{
    /// <summary>Prompt-token cap of one prompt-machine batch.</summary>
    public const int PromptBatchTokens = 2048;

    /// <summary>
    /// prompt: FCFS with batches of up to 2048 prompt tokens. token: continuous batching as wide as KV memory allows.
    /// mixed: prompts first, each decode deferred at most one step.
    /// </summary>
    public static SchedulerOptions SchedulerFor(MachineRole role, SchedulerOptions baseOptions) => role switch
    {
        MachineRole.Prompt => baseOptions with { MaxBatchedTokens = PromptBatchTokens },
        MachineRole.Token => baseOptions with { MaxRunningSequences = int.MaxValue },
        _ => baseOptions with { PromptsFirst = true },
    };
}
