using System.Runtime.CompilerServices;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Threading;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// The decode (GEMV) entry points that do more than one product per hand-off to the pool. In decode a layer's
/// matrices are each a few tens of microseconds of streaming, so every fork/join (and the single-threaded step
/// between two of them, while the memory bus idles) is a visible share of a token: q/k/v go out as one job,
/// gate/up and SwiGLU's SiLU·mul as one, and o/down add into the residual stream as they write.
/// Prefill shapes (and the scalar reference level) take the plain products and do the extra step afterwards.
/// At AVX-512, Q8_0 batches of 2 to <see cref="RowLanesMaxTokens"/> tokens take the same fusions through the row-lane
/// GEMM's job instead (<see cref="GemmQ8_0RowLanes"/>).
/// </summary>
public static unsafe partial class MatMul
{
    /// <summary>y[n, W.Rows] += x[n, W.Cols] · Wᵀ: a projection added straight into the residual stream.</summary>
    public static void MultiplyAdd(WeightMatrix w, float* x, int n, float* y, WorkerPool pool)
        => MultiplyAdd(w, x, n, y, pool, CpuFeatures.Level);

    internal static void MultiplyAdd(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, Level level, bool? forceGemm = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return;
        if (RowLanesFor(level, n, forceGemm, w) is { } kernel)
        {
            Check(x, y, pool, level);
            GemmQ8_0RowLanes(w, x, n, y, pool, accumulate: true, vnni: kernel == Q8_0Gemm.Vnni);
            return;
        }
        if (!FusedGemv(level, n, forceGemm, w))
        {
            if (y == null) throw new ArgumentNullException(nameof(y));
            float* product = ThreadScratch.Floats(ThreadScratch.Slot.Product, (long)n * w.Rows);
            Multiply(w, x, n, product, pool, level, forceGemm);
            var sum = new Span<float>(y, checked(n * w.Rows));
            System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<float>(product, sum.Length), sum);
            return;
        }
        Check(x, y, pool, level);
        var job = new GemvJob(x, n, QuantizeFor(x, n, level, w), level, accumulate: true, swiGlu: false);
        job.Add(w, y, pool, w.TotalBytes);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>ya = x·Waᵀ, yb = x·Wbᵀ, yc = x·Wcᵀ for three matrices over the same input (q/k/v): one hand-off in decode.</summary>
    public static void Multiply(WeightMatrix a, WeightMatrix b, WeightMatrix c, float* x, int n, float* ya, float* yb, float* yc, WorkerPool pool)
        => Multiply(a, b, c, x, n, ya, yb, yc, pool, CpuFeatures.Level);

    internal static void Multiply(WeightMatrix a, WeightMatrix b, WeightMatrix c, float* x, int n, float* ya, float* yb, float* yc,
                                  WorkerPool pool, Level level, bool? forceGemm = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return;
        if (RowLanesFor(level, n, forceGemm, a, b, c) is { } kernel)
        {
            Check(x, ya, pool, level);
            if (yb == null || yc == null) throw new ArgumentNullException(yb == null ? nameof(yb) : nameof(yc));
            long jobBytes = a.TotalBytes + b.TotalBytes + c.TotalBytes;
            var lanes = RowLanesJob.Create(x, n, a.Cols, accumulate: false, swiGlu: false, vnni: kernel == Q8_0Gemm.Vnni);
            lanes.Add(a, ya, pool, jobBytes);
            lanes.Add(b, yb, pool, jobBytes);
            lanes.Add(c, yc, pool, jobBytes);
            pool.For(lanes.ChunkCount, ref lanes);
            return;
        }
        if (!FusedGemv(level, n, forceGemm, a, b, c))
        {
            Multiply(a, x, n, ya, pool, level, forceGemm);
            Multiply(b, x, n, yb, pool, level, forceGemm);
            Multiply(c, x, n, yc, pool, level, forceGemm);
            return;
        }
        Check(x, ya, pool, level);
        if (yb == null || yc == null) throw new ArgumentNullException(yb == null ? nameof(yb) : nameof(yc));
        long bytes = a.TotalBytes + b.TotalBytes + c.TotalBytes;
        var job = new GemvJob(x, n, QuantizeFor(x, n, level, a, b, c), level, accumulate: false, swiGlu: false);
        job.Add(a, ya, pool, bytes);
        job.Add(b, yb, pool, bytes);
        job.Add(c, yc, pool, bytes);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>
    /// SwiGLU's first half: gate = silu(x·Wgᵀ) ⊙ (x·Wuᵀ), written over <paramref name="gate"/>; <paramref name="up"/> is
    /// overwritten with x·Wuᵀ. In decode each chunk takes the same rows of both matrices and applies SiLU·mul to them.
    /// </summary>
    public static void MultiplySwiGlu(WeightMatrix wGate, WeightMatrix wUp, float* x, int n, float* gate, float* up, WorkerPool pool)
        => MultiplySwiGlu(wGate, wUp, x, n, gate, up, pool, CpuFeatures.Level);

    internal static void MultiplySwiGlu(WeightMatrix wGate, WeightMatrix wUp, float* x, int n, float* gate, float* up,
                                        WorkerPool pool, Level level, bool? forceGemm = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return;
        ArgumentNullException.ThrowIfNull(wGate);
        ArgumentNullException.ThrowIfNull(wUp);
        if (wGate.Rows != wUp.Rows)
            throw new ArgumentException($"Gate and up projections differ in rows ({wGate.Rows} and {wUp.Rows}).", nameof(wUp));
        // SiluMul vectorizes over the flattened [n, rows] array and finishes its tail in scalar code; a chunk's rows
        // give the same per-element split only when each token's row starts on a vector boundary (or there is one token).
        // Row-lane chunks start on 16-row tiles, which are such boundaries.
        if (RowLanesFor(level, n, forceGemm, wGate, wUp) is { } kernel && wGate.Rows % SiluMulRowMultiple == 0)
        {
            Check(x, gate, pool, level);
            if (up == null) throw new ArgumentNullException(nameof(up));
            var lanes = RowLanesJob.Create(x, n, wGate.Cols, accumulate: false, swiGlu: true, vnni: kernel == Q8_0Gemm.Vnni);
            long halfBytes = (wGate.TotalBytes + wUp.TotalBytes) / 2;
            lanes.Add(wGate, gate, pool, halfBytes);
            lanes.Add(wUp, up, pool, halfBytes);
            pool.For(lanes.ChunkCount, ref lanes);
            return;
        }
        if (!FusedGemv(level, n, forceGemm, wGate, wUp) || (n > 1 && wGate.Rows % SiluMulRowMultiple != 0))
        {
            Multiply(wGate, x, n, gate, pool, level, forceGemm);
            Multiply(wUp, x, n, up, pool, level, forceGemm);
            CpuKernels.SiluMul(gate, up, checked(n * wGate.Rows), level);
            return;
        }
        Check(x, gate, pool, level);
        if (up == null) throw new ArgumentNullException(nameof(up));
        // A chunk reads its rows of both matrices, so each matrix is sized as half the job.
        long half = (wGate.TotalBytes + wUp.TotalBytes) / 2;
        var job = new GemvJob(x, n, QuantizeFor(x, n, level, wGate, wUp), level, accumulate: false, swiGlu: true);
        job.Add(wGate, gate, pool, half, SiluMulRowMultiple);
        job.Add(wUp, up, pool, half, SiluMulRowMultiple);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>Chunk starts are multiples of the widest SiluMul vector, so each element takes the path it takes in one whole-array call.</summary>
    private const int SiluMulRowMultiple = 16;

    /// <summary>Whether these products take the fused GEMV job: a SIMD level and a token count below every matrix's GEMM crossover.</summary>
    private static bool FusedGemv(Level level, int n, bool? forceGemm, params ReadOnlySpan<WeightMatrix> ws)
    {
        bool gemv = level != Level.Scalar;
        foreach (var w in ws)
        {
            ArgumentNullException.ThrowIfNull(w);
            if (w.Cols != ws[0].Cols)
                throw new ArgumentException($"Matrices that share an input need the same columns ({ws[0].Cols} and {w.Cols}).");
            gemv &= !(forceGemm ?? n >= GemmMinTokens(w.Type, level));
        }
        return gemv;
    }

    private static void Check(float* x, float* y, WorkerPool pool, Level level)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (x == null || y == null) throw new ArgumentNullException(x == null ? nameof(x) : nameof(y));
        if (level > CpuFeatures.Level)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"This machine supports up to {CpuFeatures.Level}.");
    }

    /// <summary>The int8 copy of the activations when any matrix takes integer dot products; quantized once for all of them.</summary>
    private static QuantizedActivations? QuantizeFor(float* x, int n, Level level, params ReadOnlySpan<WeightMatrix> ws)
    {
        foreach (var w in ws)
        {
            if (w.Type is WeightType.Q8_0 or WeightType.Q4_0)
            {
                var xa = QuantizedActivations.ForCurrentThread();
                xa.Quantize(x, n, w.Cols, level);
                return xa;
            }
        }
        return null;
    }

    /// <summary>
    /// One chunk per thread: a GEMV streams its weights once, and long chunks keep each core's memory streams long (the
    /// fp16 kernel reads a chunk as four quarter-streams). Batch-1 decode of the 160M F16 model, one against eight chunks
    /// per thread, interleaved: 92 against 91 % of the roofline (medians) at this machine's usual bandwidth, 83-89 against
    /// 75-83 % at its faster one; 1B Q8_0 the same within noise. A worker the OS has not scheduled costs nothing (the
    /// caller takes its chunk too); a core slower than the other does hold up the step.
    /// </summary>
    private const int GemvChunksPerThread = 1;

    /// <summary>One matrix of a GEMV job and the chunks that cover it.</summary>
    private struct GemvPart
    {
        public WeightMatrix W;
        public float* Y;
        public int RowsPerChunk;
        public int Chunks;
    }

    /// <summary>
    /// Decode-shaped work over up to three matrices that read the same activations: each chunk owns a range of one
    /// matrix's rows and multiplies them with every token. With <c>swiGlu</c> the two parts are gate and up and a
    /// chunk takes the same rows of both, then applies SiLU·mul to them.
    /// </summary>
    private struct GemvJob : IParallelJob
    {
        private readonly float* _x;
        private readonly int _n;
        private readonly QuantizedActivations? _xa;
        private readonly Level _level;
        private readonly bool _accumulate;
        private readonly bool _swiGlu;
        private GemvPart _p0, _p1, _p2;
        private int _parts;

        public GemvJob(float* x, int n, QuantizedActivations? xa, Level level, bool accumulate, bool swiGlu)
        {
            _x = x; _n = n; _xa = xa; _level = level; _accumulate = accumulate; _swiGlu = swiGlu;
        }

        public readonly int ChunkCount => _swiGlu ? _p0.Chunks : _p0.Chunks + _p1.Chunks + _p2.Chunks;

        public void Add(WeightMatrix w, float* y, WorkerPool pool, long jobBytes, int rowMultiple = 1)
        {
            int rows = ChunkRows(w, jobBytes, pool, rowMultiple, GemvChunksPerThread);
            var part = new GemvPart { W = w, Y = y, RowsPerChunk = rows, Chunks = (w.Rows + rows - 1) / rows };
            switch (_parts++)
            {
                case 0: _p0 = part; break;
                case 1: _p1 = part; break;
                case 2: _p2 = part; break;
                default: throw new InvalidOperationException("A GEMV job takes at most three matrices.");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int chunk)
        {
            if (_swiGlu)
            {
                int r0 = chunk * _p0.RowsPerChunk, r1 = Math.Min(r0 + _p0.RowsPerChunk, _p0.W.Rows);
                Rows(_p0, r0, r1);
                Rows(_p1, r0, r1);
                for (int i = 0; i < _n; i++)
                {
                    long at = (long)i * _p0.W.Rows + r0;
                    CpuKernels.SiluMul(_p0.Y + at, _p1.Y + at, r1 - r0, _level);
                }
                return;
            }
            if (chunk < _p0.Chunks) Rows(_p0, chunk);
            else if ((chunk -= _p0.Chunks) < _p1.Chunks) Rows(_p1, chunk);
            else Rows(_p2, chunk - _p1.Chunks);
        }

        private readonly void Rows(in GemvPart part, int chunk)
        {
            int r0 = chunk * part.RowsPerChunk;
            Rows(part, r0, Math.Min(r0 + part.RowsPerChunk, part.W.Rows));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Rows(in GemvPart part, int r0, int r1)
        {
            var w = part.W;
            int cols = w.Cols, rows = w.Rows;
            var type = w.Type;
            bool fused = type switch
            {
                WeightType.F32 or WeightType.Q8_0 or WeightType.Q4_0 => true,
                WeightType.F16 or WeightType.BF16 => _n == 1,
                _ => false,
            };
            int blocks = cols / 32;
            if (type == WeightType.Q8_0 && _n > 1)
            {
                MultiTokenQ8_0(part, r0, r1, blocks);
                return;
            }
            if (type is WeightType.Q8_0 or WeightType.Q4_0 && _n == 1 && _level == Level.Avx512 && Native.NativeKernels.VnniAvailable)
            {
                Native.NativeKernels.QuantGemvRows(w.Row(r0), w.RowBytes, r1 - r0, blocks, type == WeightType.Q4_0 ? 1 : 0,
                                                   _xa!.RowValues(0), _xa.RowScales(0), part.Y + r0, _accumulate ? 1 : 0);
                return;
            }
            if (type == WeightType.F16 && _level == Level.Avx512 && Native.NativeKernels.F16Available)
            {
                if (_n == 1) Native.NativeKernels.F16GemvRows(w.Row(r0), w.RowBytes, r1 - r0, cols, _x, part.Y + r0, _accumulate ? 1 : 0);
                else Native.NativeKernels.F16GemvTokens(w.Row(r0), w.RowBytes, r1 - r0, cols, _x, _n, part.Y + r0, rows, _accumulate ? 1 : 0);
                return;
            }
            float* scratch = fused ? null : ThreadScratch.Floats(ThreadScratch.Slot.Row, cols);
            for (int r = r0; r < r1; r++)
            {
                byte* row = w.Row(r);
                if (!fused) DequantizeRow(type, row, scratch, cols, _level);
                for (int i = 0; i < _n; i++)
                {
                    float* xi = _x + (long)i * cols;
                    float dot = !fused ? CpuKernels.Dot(scratch, xi, cols, _level) : type switch
                    {
                        WeightType.F32 => DotF32(row, xi, cols, _level),
                        WeightType.F16 => DotF16(row, xi, cols, _level),
                        WeightType.BF16 => DotBF16(row, xi, cols, _level),
                        WeightType.Q8_0 => DotQ8_0(row, _xa!, i, blocks, _level),
                        _ => DotQ4_0(row, _xa!, i, blocks, _level),
                    };
                    Store(part.Y + (long)i * rows + r, dot);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void MultiTokenQ8_0(in GemvPart part, int r0, int r1, int blocks)
        {
            var w = part.W;
            int rows = w.Rows;
            float* weightScales = stackalloc float[blocks];
            float* results = stackalloc float[4];
            for (int r = r0; r < r1; r++)
            {
                byte* row = w.Row(r);
                PrefetchNextRow(row, blocks * sizeof(BlockQ8_0));
                RowScales(row, sizeof(BlockQ8_0), weightScales, blocks, _level);
                for (int i = 0; i < _n; i += 4)
                {
                    int count = Math.Min(4, _n - i);
                    DotQ8_0x4(row, weightScales, _xa!, i, count, blocks, results);
                    for (int k = 0; k < count; k++) Store(part.Y + (long)(i + k) * rows + r, results[k]);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void Store(float* y, float value)
        {
            if (_accumulate) *y += value;
            else *y = value;
        }
    }
}
