using Splitwise.Kernels.Threading;

namespace Splitwise.Tests.Kernels.Threading;

/// <summary>
/// Regression: a job published before a new worker thread first ran was invisible to that worker, so the caller
/// waited for it forever. Fresh pools used at once, many times, must always finish.
/// </summary>
public class WorkerPoolStartupTests
{
    private sealed class Counts
    {
        public readonly int[] Values = new int[64];
    }

    private readonly struct CountJob(Counts counts) : IParallelJob
    {
        public void Execute(int chunk) => Interlocked.Increment(ref counts.Values[chunk]);
    }

    [Fact]
    public async Task A_pool_used_the_moment_it_is_created_never_hangs()
    {
        var run = Task.Run(() =>
        {
            var counts = new Counts();
            for (int i = 0; i < 2000; i++)
            {
                using var pool = new WorkerPool(2 + i % 2);
                Array.Clear(counts.Values);
                var job = new CountJob(counts);
                pool.For(64, ref job);
                Assert.All(counts.Values, c => Assert.Equal(1, c));
            }
        });
        // A hang never ends; a loaded 2-core machine (thread start-up is what this loop times) can take tens of seconds.
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(120))));
        await run;
    }
}
