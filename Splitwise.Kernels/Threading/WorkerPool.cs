using System.Runtime.CompilerServices;

namespace Splitwise.Kernels.Threading;

/// <summary>
/// Persistent worker threads with a cheap fork/join: the caller publishes a job pointer and a generation number,
/// spinning workers pick it up within microseconds, and everyone (the caller included) claims chunks from one
/// counter. Workers spin briefly between jobs, since a forward pass issues hundreds of them back to back, then sleep.
/// The caller waits for unfinished chunks, never for workers: a worker that the OS has not scheduled yet (another
/// process on its core) costs nothing, where waiting for it to check in would cost a whole time slice per job.
/// One job runs at a time; a second caller that finds the pool busy runs its job inline rather than waiting.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    private const int SpinIterationsBeforeSleep = 20_000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _runLock = new();
    private volatile bool _disposed;

    /// <summary>
    /// The generation in the high 32 bits, the chunks not yet handed out in the low 32. One word, so a claim (a
    /// compare-exchange) checks in the same step that its job is still the current one: a worker that wakes late,
    /// after its job is done and the next one published, fails its claim instead of running the wrong job's chunk.
    /// </summary>
    private long _state;
    private int _sleepers;
    private void* _job;
    private delegate*<void*, int, void> _invoke;
    private int _chunkCount;
    private int _unfinished;
    private Exception? _failure;

    /// <param name="threadCount">Threads that do work, the calling thread included (1 = everything inline).</param>
    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threadCount);
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            // A worker counts jobs from the generation at construction, not at its own start: a job published before
            // the thread first runs must still be seen as new, or the caller would wait for that worker forever.
            _threads[i] = new Thread(() => WorkerLoop(0)) { IsBackground = true, Name = $"splitwise-worker-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>One pool for the whole process, as wide as the machine.</summary>
    public static WorkerPool Shared { get; } = new(Environment.ProcessorCount);

    public int ThreadCount { get; }

    /// <summary>Runs job.Execute(c) for every c in [0, chunkCount) across the pool and returns when all are done.</summary>
    public void For<TJob>(int chunkCount, ref TJob job) where TJob : struct, IParallelJob
    {
        if (chunkCount <= 0) return;
        if (chunkCount == 1 || _threads.Length == 0 || !Monitor.TryEnter(_runLock))
        {
            for (int c = 0; c < chunkCount; c++) job.Execute(c);
            return;
        }
        try
        {
            _job = Unsafe.AsPointer(ref job);
            _invoke = &Invoke<TJob>;
            _chunkCount = chunkCount;
            _failure = null;
            _unfinished = chunkCount;
            int generation = unchecked(Generation(Volatile.Read(ref _state)) + 1);
            // A full fence: the fields above are visible to whoever sees the new generation.
            Interlocked.Exchange(ref _state, ((long)generation << 32) | (uint)chunkCount);
            int sleepers = Interlocked.Exchange(ref _sleepers, 0);
            if (sleepers > 0) _wake.Release(sleepers);

            RunChunks(generation);

            var spin = new SpinWait();
            while (Volatile.Read(ref _unfinished) != 0) spin.SpinOnce(-1);
            _job = null;
            if (_failure is { } failure) throw new AggregateException("A parallel kernel chunk failed.", failure);
        }
        finally
        {
            Monitor.Exit(_runLock);
        }
    }

    private static void Invoke<TJob>(void* job, int chunk) where TJob : struct, IParallelJob
        => Unsafe.AsRef<TJob>(job).Execute(chunk);

    private static int Generation(long state) => (int)(state >> 32);

    /// <summary>
    /// Claims and runs chunks of job <paramref name="generation"/> until none are left. The job's fields may already
    /// belong to a later job when read; then every claim fails. A successful claim proves they are this job's: the
    /// job cannot finish, nor the next one be published, while the claimed chunk is unfinished.
    /// </summary>
    private void RunChunks(int generation)
    {
        void* job = _job;
        var invoke = _invoke;
        int count = _chunkCount;
        long state = Volatile.Read(ref _state);
        while (Generation(state) == generation && (int)state > 0)
        {
            long seen = Interlocked.CompareExchange(ref _state, state - 1, state);
            if (seen != state)
            {
                state = seen;
                continue;
            }
            try
            {
                invoke(job, count - (int)state);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            Interlocked.Decrement(ref _unfinished);
            state--;
        }
    }

    private void WorkerLoop(int seen)
    {
        while (true)
        {
            int spins = 0;
            int generation;
            while ((generation = Generation(Volatile.Read(ref _state))) == seen)
            {
                if (_disposed) return;
                if (++spins < SpinIterationsBeforeSleep)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                Interlocked.Increment(ref _sleepers);
                // A wake-up is only a hint: stale permits are possible and harmless, so re-check the generation.
                if (Generation(Volatile.Read(ref _state)) == seen) _wake.Wait(50);
                spins = 0;
            }
            seen = generation;
            RunChunks(generation);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        if (_threads.Length > 0) _wake.Release(_threads.Length);
    }
}
