using System.Diagnostics;
using Spectre.Console;
using Splitwise.LoadTest.Client;

namespace Splitwise.LoadTest.Running;

/// <summary>
/// Shows a run's progress: a Spectre.Console live bar (done / planned, in flight, errors) on an interactive terminal,
/// plain lines every few seconds otherwise (CI logs, redirected output).
/// </summary>
public static class ProgressDisplay
{
    public static async Task<RunOutcome> RunAsync(IAnsiConsole console, bool live, string label, int planned, Func<Action<RequestResult>, Task<RunOutcome>> run, Func<int> inFlight)
    {
        int done = 0, errors = 0;
        void OnResult(RequestResult r)
        {
            Interlocked.Increment(ref done);
            if (!r.Success) Interlocked.Increment(ref errors);
        }
        string Status() => $"{Markup.Escape(label)} · in flight {inFlight()} · errors {Volatile.Read(ref errors)}";

        if (live && console.Profile.Capabilities.Interactive)
        {
            RunOutcome? outcome = null;
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Status(), maxValue: planned);
                    var runTask = run(OnResult);
                    while (!runTask.IsCompleted)
                    {
                        await Task.WhenAny(runTask, Task.Delay(200)).ConfigureAwait(false);
                        task.Value = Volatile.Read(ref done);
                        task.Description = Status();
                    }
                    outcome = await runTask.ConfigureAwait(false);
                    task.Value = planned;
                    task.Description = Status();
                }).ConfigureAwait(false);
            return outcome!;
        }

        var sw = Stopwatch.StartNew();
        var running = run(OnResult);
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(5000)).ConfigureAwait(false);
            if (!running.IsCompleted)
                console.WriteLine($"[{sw.Elapsed.TotalSeconds,6:0} s] {label}: {Volatile.Read(ref done)}/{planned} done, in flight {inFlight()}, errors {Volatile.Read(ref errors)}");
        }
        return await running.ConfigureAwait(false);
    }
}
