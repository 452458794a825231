using Splitwise.Kernels.Threading;

namespace Splitwise.Tests.Kernels.Threading;

public sealed unsafe class WorkerPoolTests
{
    private readonly struct CountJob : IParallelJob
    {
        private readonly int* _counts;
        private readonly int _throwAt;
        public CountJob(int* counts, int throwAt = -1) { _counts = counts; _throwAt = throwAt; }

        public void Execute(int chunk)
        {
            Interlocked.Increment(ref _counts[chunk]);
            if (chunk == _throwAt) throw new InvalidOperationException($"chunk {chunk} failed on purpose");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_chunk_runs_exactly_once(int threads)
    {
        using var pool = new WorkerPool(threads);
        foreach (int chunks in new[] { 0, 1, 2, 3, 17, 1000 })
        {
            for (int rep = 0; rep < 20; rep++)
            {
                var counts = new int[Math.Max(chunks, 1)];
                fixed (int* c = counts)
                {
                    var job = new CountJob(c);
                    pool.For(chunks, ref job);
                }
                for (int i = 0; i < chunks; i++)
                    Assert.True(counts[i] == 1, $"threads={threads} chunks={chunks} rep={rep}: chunk {i} ran {counts[i]} times");
            }
        }
    }

    /// <summary>
    /// Tiny jobs back to back: a worker often wakes after its job is already done (the caller ran every chunk) and the
    /// next one published. Its claims must then land on the job that is current, never run a chunk twice or skip one.
    /// </summary>
    [Fact]
    public void Back_to_back_tiny_jobs_run_every_chunk_exactly_once()
    {
        using var pool = new WorkerPool(2);
        var counts = new int[5];
        fixed (int* c = counts)
        {
            for (int rep = 0; rep < 20_000; rep++)
            {
                int chunks = 2 + rep % 4;
                Array.Clear(counts);
                var job = new CountJob(c);
                pool.For(chunks, ref job);
                for (int i = 0; i < counts.Length; i++)
                    if (counts[i] != (i < chunks ? 1 : 0)) Assert.Fail($"rep {rep}, {chunks} chunks: chunk {i} ran {counts[i]} times");
            }
        }
    }

    [Fact]
    public void A_failing_chunk_surfaces_as_an_exception_and_the_pool_keeps_working()
    {
        using var pool = new WorkerPool(2);
        var counts = new int[64];
        fixed (int* c = counts)
        {
            var failing = new CountJob(c, throwAt: 37);
            var e = Assert.Throws<AggregateException>(() => pool.For(64, ref failing));
            Assert.Contains("chunk 37 failed", e.InnerException!.Message);
            // The other chunks still ran (one failure does not strand the rest).
            Assert.All(counts, n => Assert.Equal(1, n));

            Array.Clear(counts);
            var ok = new CountJob(c);
            pool.For(64, ref ok);
            Assert.All(counts, n => Assert.Equal(1, n));
        }
    }

    [Fact]
    public void Concurrent_callers_each_get_all_their_chunks()
    {
        using var pool = new WorkerPool(2);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var counts = new int[97];
            for (int rep = 0; rep < 200; rep++)
            {
                Array.Clear(counts);
                fixed (int* c = counts)
                {
                    var job = new CountJob(c);
                    pool.For(counts.Length, ref job);
                }
                for (int i = 0; i < counts.Length; i++)
                    if (counts[i] != 1) lock (failures) failures.Add($"caller {t} rep {rep}: chunk {i} ran {counts[i]} times");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.True(threads.All(t => t.Join(TimeSpan.FromSeconds(60))), "a caller did not finish within 60 s");
        Assert.Empty(failures);
    }

    [Fact]
    public void Pools_of_one_thread_dispose_cleanly()
    {
        var pool = new WorkerPool(1);
        pool.Dispose();
        pool.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));
    }
}
