using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels;
using Splitwise.Kernels.Threading;

namespace Splitwise.Bench.Roofline;

/// <summary>
/// This machine's ceilings, measured with our own micro-kernels: memory read bandwidth, FP32 FMA peak and int8
/// dot-product peak. Every figure is the best of several repetitions (a ceiling, not a typical value).
/// </summary>
public static unsafe class RooflineProbe
{
    /// <summary>Read streams per thread the bandwidth probe tries; the sampler uses the middle one.</summary>
    public static readonly int[] ReadStreams = [1, 4, 8];

    /// <summary>
    /// Read bandwidth in GB/s (10⁹ bytes/s): the best, over 1 thread and all pool threads and over 1, 4 and 8 read
    /// streams per thread (<see cref="ReadStreams"/>), of summing a buffer far larger than the caches. The decode
    /// GEMVs read 4-16 rows at a time, so a single-stream probe alone could read below them (it did here: a paired
    /// decode fraction of 104 %).
    /// </summary>
    /// <param name="bestByVariant">Filled with the best GB/s of each (threads, streams) variant, for the report.</param>
    public static double MemoryReadBandwidth(WorkerPool pool, long bufferBytes = 512L << 20, int repetitions = 7, IDictionary<string, double>? bestByVariant = null)
    {
        using var buffer = NativeBuffer.Allocate(bufferBytes);
        // Touch every page so the measurement reads memory, not the zero page.
        new Span<byte>(buffer.Pointer, (int)Math.Min(bufferBytes, int.MaxValue)).Fill(1);
        for (long off = int.MaxValue; off < bufferBytes; off += int.MaxValue)
            new Span<byte>(buffer.Pointer + off, (int)Math.Min(bufferBytes - off, int.MaxValue)).Fill(1);
        double best = 0;
        using var single = new WorkerPool(1);
        foreach (var p in new[] { single, pool })
        {
            for (int rep = 0; rep < repetitions; rep++)
            foreach (int streams in ReadStreams)
            {
                var pieces = ReadPiece.Split(buffer.Pointer, bufferBytes, p.ThreadCount * 16, streams);
                var job = new ReadJob(pieces, streams);
                long t0 = Stopwatch.GetTimestamp();
                p.For(pieces.Length, ref job);
                double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds, gbs = pieces.Sum(c => c.Bytes) / seconds / 1e9;
                best = Math.Max(best, gbs);
                if (bestByVariant != null)
                {
                    string key = $"{p.ThreadCount} thread(s) × {streams} stream(s)";
                    bestByVariant[key] = Math.Max(gbs, bestByVariant.TryGetValue(key, out double b) ? b : 0);
                }
            }
        }
        return best;
    }

    /// <summary>
    /// One read pass, on every pool thread, in GB/s: a sample of the bandwidth available right now, for pairing with a
    /// measurement taken beside it (the machine's bandwidth moves with its neighbours' load). It reads the very bytes the
    /// measurement reads, a model's weight matrices, because on this machine two allocations of the same size can read at
    /// different speeds (one run here: 56 GB/s from a buffer of the sampler's own, 44 from the FFN matrices), which a
    /// pairing with other memory would count as the kernel's loss or gain.
    /// </summary>
    public sealed class BandwidthSampler
    {
        /// <summary>Pieces that given memory is cut into (about this size), each read as four streams like the probe's.</summary>
        private const long RegionPieceBytes = 2L << 20;

        private readonly WorkerPool _pool;
        private readonly ReadPiece[] _pieces;
        private readonly long _bytes;

        /// <param name="matrices">Matrices to read (left as they are), in the order given.</param>
        public BandwidthSampler(WorkerPool pool, IEnumerable<WeightMatrix> matrices)
        {
            _pool = pool;
            _pieces = matrices.SelectMany(m => ReadPiece.Split(m.Data, m.TotalBytes, (int)Math.Max(1, m.TotalBytes / RegionPieceBytes), ReadStreams[1]))
                              .Where(p => p.Bytes > 0).ToArray();
            _bytes = _pieces.Sum(p => p.Bytes);
            if (_bytes == 0) throw new ArgumentException("The matrices are too small to sample.", nameof(matrices));
        }

        public double Sample()
        {
            var job = new ReadJob(_pieces, ReadStreams[1]);
            long t0 = Stopwatch.GetTimestamp();
            _pool.For(_pieces.Length, ref job);
            return _bytes / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
        }
    }

    /// <summary>FP32 FMA peak in GFLOP/s over all pool threads: independent register-resident FMA chains, 2 FLOPs per lane.</summary>
    public static double Fp32FmaPeak(WorkerPool pool, int repetitions = 5)
    {
        const int chunks = 64;
        const long iterations = 200_000;
        double best = 0;
        for (int rep = 0; rep < repetitions; rep++)
        {
            var job = new FmaJob(iterations);
            long t0 = Stopwatch.GetTimestamp();
            pool.For(chunks, ref job);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, chunks * job.FlopsPerChunk / seconds / 1e9);
        }
        return best;
    }

    /// <summary>
    /// Int8 dot-product peak in GOP/s (a multiply and an add per byte pair). .NET 10 exposes VNNI only through AvxVnni/Avx10v1;
    /// where neither is supported this measures what our kernels use: vpmaddubsw + vpmaddwd + vpaddd.
    /// </summary>
    public static double Int8DotPeak(WorkerPool pool, int repetitions = 5)
    {
        const int chunks = 64;
        const long iterations = 200_000;
        double best = 0;
        for (int rep = 0; rep < repetitions; rep++)
        {
            var job = new Int8Job(iterations);
            long t0 = Stopwatch.GetTimestamp();
            pool.For(chunks, ref job);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, chunks * job.OpsPerChunk / seconds / 1e9);
        }
        return best;
    }

    /// <summary>Which instruction sequence <see cref="Int8DotPeak"/> measured.</summary>
    public static string Int8Method => Avx512BW.IsSupported ? "vpmaddubsw+vpmaddwd (zmm)" : Avx2.IsSupported ? "vpmaddubsw+vpmaddwd (ymm)" : "scalar";

    /// <summary>A stretch of memory that one chunk of a read pass sums, a whole number of stream rounds long.</summary>
    private readonly record struct ReadPiece(nint Start, long Bytes)
    {
        /// <summary><paramref name="count"/> equal pieces of [p, p + bytes), each cut down to a whole number of 128-byte rounds of every stream.</summary>
        public static ReadPiece[] Split(byte* p, long bytes, int count, int streams)
        {
            long per = bytes / count / (128L * streams) * 128 * streams;
            return Enumerable.Range(0, count).Select(i => new ReadPiece((nint)(p + i * per), per)).ToArray();
        }
    }

    /// <summary>
    /// Sums pieces of memory: each piece is split into <c>streams</c> equal parts read side by side, 128 bytes from each
    /// per round. One stream is the plain sequential read; several streams per thread are what a multi-row GEMV does, and
    /// on some machines they draw more bandwidth (more misses in flight than one prefetched stream keeps).
    /// </summary>
    private readonly struct ReadJob(ReadPiece[] pieces, int streams) : IParallelJob
    {
        public void Execute(int chunk)
        {
            long part = pieces[chunk].Bytes / streams;
            byte* start = (byte*)pieces[chunk].Start;
            byte* end = start + part;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<int> a = default, b = default;
                for (byte* p = start; p < end; p += 128)
                    for (int s = 0; s < streams; s++)
                    {
                        a += Vector512.Load((int*)(p + s * part));
                        b += Vector512.Load((int*)(p + s * part + 64));
                    }
                Sink = Vector512.Sum(a + b);
            }
            else
            {
                Vector256<int> a = default, b = default, c = default, d = default;
                for (byte* p = start; p < end; p += 128)
                    for (int s = 0; s < streams; s++)
                    {
                        a += Vector256.Load((int*)(p + s * part));
                        b += Vector256.Load((int*)(p + s * part + 32));
                        c += Vector256.Load((int*)(p + s * part + 64));
                        d += Vector256.Load((int*)(p + s * part + 96));
                    }
                Sink = Vector256.Sum(a + b + c + d);
            }
        }
    }

    private static volatile int Sink;
    private static volatile float FloatSink;

    private readonly struct FmaJob : IParallelJob
    {
        private readonly long _iterations;
        public FmaJob(long iterations) => _iterations = iterations;

        // 12 independent chains: enough to cover FMA latency × throughput on current cores.
        public double FlopsPerChunk => _iterations * 12.0 * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

        public void Execute(int chunk)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var m = Vector512.Create(0.999999f);
                var k = Vector512.Create(1e-7f);
                Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
                for (long i = 0; i < _iterations; i++)
                {
                    a0 = Vector512.FusedMultiplyAdd(a0, m, k); a1 = Vector512.FusedMultiplyAdd(a1, m, k);
                    a2 = Vector512.FusedMultiplyAdd(a2, m, k); a3 = Vector512.FusedMultiplyAdd(a3, m, k);
                    a4 = Vector512.FusedMultiplyAdd(a4, m, k); a5 = Vector512.FusedMultiplyAdd(a5, m, k);
                    a6 = Vector512.FusedMultiplyAdd(a6, m, k); a7 = Vector512.FusedMultiplyAdd(a7, m, k);
                    a8 = Vector512.FusedMultiplyAdd(a8, m, k); a9 = Vector512.FusedMultiplyAdd(a9, m, k);
                    a10 = Vector512.FusedMultiplyAdd(a10, m, k); a11 = Vector512.FusedMultiplyAdd(a11, m, k);
                }
                FloatSink = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
            }
            else
            {
                var m = Vector256.Create(0.999999f);
                var k = Vector256.Create(1e-7f);
                Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
                for (long i = 0; i < _iterations; i++)
                {
                    a0 = Vector256.FusedMultiplyAdd(a0, m, k); a1 = Vector256.FusedMultiplyAdd(a1, m, k);
                    a2 = Vector256.FusedMultiplyAdd(a2, m, k); a3 = Vector256.FusedMultiplyAdd(a3, m, k);
                    a4 = Vector256.FusedMultiplyAdd(a4, m, k); a5 = Vector256.FusedMultiplyAdd(a5, m, k);
                    a6 = Vector256.FusedMultiplyAdd(a6, m, k); a7 = Vector256.FusedMultiplyAdd(a7, m, k);
                    a8 = Vector256.FusedMultiplyAdd(a8, m, k); a9 = Vector256.FusedMultiplyAdd(a9, m, k);
                    a10 = Vector256.FusedMultiplyAdd(a10, m, k); a11 = Vector256.FusedMultiplyAdd(a11, m, k);
                }
                FloatSink = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
            }
        }
    }

    private readonly struct Int8Job : IParallelJob
    {
        private readonly long _iterations;
        public Int8Job(long iterations) => _iterations = iterations;

        // 8 independent chains per iteration, each a full register of byte pairs.
        public double OpsPerChunk => _iterations * 8.0 * (Avx512BW.IsSupported ? 64 : 32) * 2;

        public void Execute(int chunk)
        {
            if (Avx512BW.IsSupported)
            {
                var u = Vector512.Create((byte)3);
                var s0 = Vector512.Create((sbyte)(-2 - 0));
                var s1 = Vector512.Create((sbyte)(-2 - 1));
                var s2 = Vector512.Create((sbyte)(-2 - 2));
                var s3 = Vector512.Create((sbyte)(-2 - 3));
                var s4 = Vector512.Create((sbyte)(-2 - 4));
                var s5 = Vector512.Create((sbyte)(-2 - 5));
                var s6 = Vector512.Create((sbyte)(-2 - 6));
                var s7 = Vector512.Create((sbyte)(-2 - 7));
                var ones = Vector512.Create((short)1);
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (long i = 0; i < _iterations; i++)
                {
                    a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s0), ones);
                    a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s1), ones);
                    a2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s2), ones);
                    a3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s3), ones);
                    a4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s4), ones);
                    a5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s5), ones);
                    a6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s6), ones);
                    a7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, s7), ones);
                    u = (u.AsInt32() + Vector512<int>.One).AsByte();
                }
                Sink = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
            }
            else if (Avx2.IsSupported)
            {
                var u = Vector256.Create((byte)3);
                var s0 = Vector256.Create((sbyte)(-2 - 0));
                var s1 = Vector256.Create((sbyte)(-2 - 1));
                var s2 = Vector256.Create((sbyte)(-2 - 2));
                var s3 = Vector256.Create((sbyte)(-2 - 3));
                var s4 = Vector256.Create((sbyte)(-2 - 4));
                var s5 = Vector256.Create((sbyte)(-2 - 5));
                var s6 = Vector256.Create((sbyte)(-2 - 6));
                var s7 = Vector256.Create((sbyte)(-2 - 7));
                var ones = Vector256.Create((short)1);
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (long i = 0; i < _iterations; i++)
                {
                    a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s0), ones);
                    a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s1), ones);
                    a2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s2), ones);
                    a3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s3), ones);
                    a4 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s4), ones);
                    a5 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s5), ones);
                    a6 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s6), ones);
                    a7 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s7), ones);
                    u = (u.AsInt32() + Vector256<int>.One).AsByte();
                }
                Sink = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
            }
        }
    }
}
