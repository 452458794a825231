using System.Runtime.CompilerServices;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// y[n, W.Rows] = x[n, W.Cols] · Wᵀ for a weight matrix in any stored encoding.
/// x and y are row-major fp32 activations; n is the number of tokens.
/// Few tokens (decode) take the GEMV path: memory-bound, every weight byte read once, rows split across the pool;
/// Q8_0/Q4_0 quantize the activations to int8 once and use integer dot products.
/// Many tokens (prefill) take the GEMM path: weight panels dequantized to fp32 once and reused by every token
/// through a register-blocked micro-kernel; Q8_0 panels are widened to int16 instead and multiplied with int16
/// activations (<see cref="GemmQ8_0"/>). At AVX-512, Q8_0 batches of 2 to <see cref="RowLanesMaxTokens"/> tokens
/// (batched decode, short prefill chunks) take the row-lane GEMM instead, which reads each weight byte once per call
/// like the GEMV but shares each widened weight block among all tokens (<see cref="GemmQ8_0RowLanes"/>).
/// The scalar level is the reference implementation.
/// </summary>
public static unsafe partial class MatMul
{
    /// <summary>
    /// From this many tokens on, the packed GEMM beats the GEMV. Q8_0: the integer GEMM packs up to 8 tokens into full
    /// registers (k interleave 4) and beats the x4 GEMV's two passes from 5 tokens on (kernels --q8-paths, one thread,
    /// CPU time per 1B layer, two runs: 12.8/16.2 vs 25.0/18.5 ms at 5 tokens; 15.2/14.4 vs 22.0/12.2 at 4, a draw).
    /// Q4_0 costs a full int8 dot per token; the fp32 paths convert each row once and reuse it from L1.
    /// </summary>
    internal static int GemmMinTokens(WeightType type) => type switch { WeightType.Q8_0 => 5, WeightType.Q4_0 => 8, _ => 6 };

    /// <summary>
    /// <see cref="GemmMinTokens(WeightType)"/> at a SIMD level: at AVX-512 the Q8_0 row-lane GEMM beats the int8 GEMV
    /// from 2 tokens on (kernels --q8-paths, two threads, medians of five runs of 7: 2.90 vs 6.02 ms per 1B layer at 2
    /// tokens, 3.62 vs 5.40 at 4); at 1 token the GEMV stays ahead (2.12 vs 2.92 ms). docs/benchmarks/q8-small-batch.
    /// </summary>
    internal static int GemmMinTokens(WeightType type, Level level) => (type, level) switch
    {
        (WeightType.Q8_0, Level.Avx512) => 2,
        (WeightType.F16, Level.Avx512) when Native.NativeKernels.F16Available => F16GemvMaxTokens + 1,
        _ => GemmMinTokens(type),
    };

    /// <summary>
    /// Most tokens the native fp16 GEMV takes at AVX-512 before the GEMM: the GEMM widens every weight into fp32 panels
    /// per call, which a batch of a few tokens does not repay, while the GEMV widens each piece once for up to eight tokens.
    /// </summary>
    internal const int F16GemvMaxTokens = 32;

    /// <summary>Which GEMM kernel a Q8_0 product takes (comparisons and tests; <c>Auto</c> is what the engine gets).</summary>
    internal enum Q8_0Gemm { Auto, Fp32Panels, Int16Panels, RowLanes, Vnni }

    /// <summary>
    /// Most tokens for which <c>Auto</c> picks the row-lane kernel at AVX-512. Up to 32 tokens it beats the int16 panel
    /// GEMM (7.90 vs 9.71 ms per 1B layer at 16, 13.85 vs 16.76 at 32); from 64 on both run at about the same
    /// ~270 GOP/s (28.0 vs 30.3 ms at 64, within 1 % at 128-512), the rate at which this core retires vpmaddwd + vpaddd pairs.
    /// </summary>
    internal const int RowLanesMaxTokens = 64;

    /// <summary>At AVX-512 with VNNI (native, <see cref="Native.NativeKernels"/>) the VNNI row-lane kernel takes every batch.</summary>
    internal static Q8_0Gemm PickQ8_0Gemm(Q8_0Gemm requested, int n, Level level) => requested switch
    {
        Q8_0Gemm.Auto => level == Level.Avx512 && Native.NativeKernels.VnniAvailable ? Q8_0Gemm.Vnni
            : level == Level.Avx512 && n <= RowLanesMaxTokens ? Q8_0Gemm.RowLanes : Q8_0Gemm.Int16Panels,
        Q8_0Gemm.RowLanes when level != Level.Avx512 => throw new ArgumentOutOfRangeException(nameof(requested), requested, "The row-lane Q8_0 GEMM needs AVX-512."),
        Q8_0Gemm.Vnni when level != Level.Avx512 || !Native.NativeKernels.VnniAvailable
            => throw new ArgumentOutOfRangeException(nameof(requested), requested, $"The VNNI Q8_0 GEMM needs AVX-512 and the native kernels ({Native.NativeKernels.Status})."),
        _ => requested,
    };

    public static void Multiply(WeightMatrix w, float* x, int n, float* y, WorkerPool pool)
        => Multiply(w, x, n, y, pool, CpuFeatures.Level);

    /// <param name="forceGemm">true/false forces the GEMM/GEMV path; null picks by <see cref="GemmMinTokens"/>.</param>
    /// <param name="q8Gemm">Which GEMM kernel a Q8_0 matrix takes when the GEMM path runs (comparisons, tests).</param>
    internal static void Multiply(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, Level level, bool? forceGemm = null, Q8_0Gemm q8Gemm = Q8_0Gemm.Auto)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return;
        if (x == null || y == null) throw new ArgumentNullException(x == null ? nameof(x) : nameof(y));
        if (level > CpuFeatures.Level)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"This machine supports up to {CpuFeatures.Level}.");

        if (level == Level.Scalar)
        {
            var job = new ScalarJob(w, x, n, y, ChunkRows(w, w.TotalBytes, pool));
            pool.For(job.ChunkCount, ref job);
        }
        else if (forceGemm ?? n >= GemmMinTokens(w.Type, level))
        {
            var kernel = w.Type == WeightType.Q8_0 ? PickQ8_0Gemm(q8Gemm, n, level) : Q8_0Gemm.Fp32Panels;
            if (kernel is Q8_0Gemm.RowLanes or Q8_0Gemm.Vnni) GemmQ8_0RowLanes(w, x, n, y, pool, accumulate: false, vnni: kernel == Q8_0Gemm.Vnni);
            else if (kernel == Q8_0Gemm.Int16Panels) GemmQ8_0(w, x, n, y, pool, level);
            else Gemm(w, x, n, y, pool, level);
        }
        else
        {
            var job = new GemvJob(x, n, QuantizeFor(x, n, level, w), level, accumulate: false, swiGlu: false);
            job.Add(w, y, pool, w.TotalBytes);
            pool.For(job.ChunkCount, ref job);
        }
    }

    /// <summary>
    /// Rows per chunk of one matrix in a job that reads <paramref name="jobBytes"/> in all: about
    /// <paramref name="chunksPerThread"/> chunks per thread over the whole job (so chunks weigh the same whichever matrix
    /// they fall in), at least 16 KB each, rounded up to a multiple of <paramref name="multiple"/>.
    /// </summary>
    private static int ChunkRows(WeightMatrix w, long jobBytes, WorkerPool pool, int multiple = 1, int chunksPerThread = 8)
    {
        long chunkBytes = Math.Max(16384, jobBytes / Math.Max(1, pool.ThreadCount * chunksPerThread));
        long rows = Math.Max(1, (chunkBytes + w.RowBytes - 1) / w.RowBytes);
        rows = (rows + multiple - 1) / multiple * multiple;
        return (int)Math.Min(rows, w.Rows);
    }

    /// <summary>Decodes count elements (whole blocks) starting at src; the scalar level is the reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DequantizeRow(WeightType type, byte* src, float* dst, int count, Level level)
    {
        if (level == Level.Scalar)
        {
            ScalarKernels.Dequantize(type, src, dst, count);
            return;
        }
        switch (type)
        {
            case WeightType.F32: DequantizeF32(src, dst, count); break;
            case WeightType.F16: DequantizeF16(src, dst, count, level); break;
            case WeightType.BF16: DequantizeBF16(src, dst, count, level); break;
            case WeightType.Q8_0: DequantizeQ8_0(src, dst, count, level); break;
            case WeightType.Q4_0: DequantizeQ4_0(src, dst, count, level); break;
            case WeightType.Q4_K: DequantizeQ4K(src, dst, count, level); break;
            case WeightType.Q6_K: DequantizeQ6K(src, dst, count, level); break;
            default: throw new NotSupportedException($"Weight type {type}.");
        }
    }

    /// <summary>The reference algorithm (dequantize a row exactly, then plain fp32 dots), split across the pool.</summary>
    private readonly struct ScalarJob : IParallelJob
    {
        private readonly WeightMatrix _w;
        private readonly float* _x;
        private readonly float* _y;
        private readonly int _n;
        private readonly int _rowsPerChunk;

        public ScalarJob(WeightMatrix w, float* x, int n, float* y, int rowsPerChunk)
        {
            _w = w; _x = x; _n = n; _y = y; _rowsPerChunk = rowsPerChunk;
        }

        public int ChunkCount => (_w.Rows + _rowsPerChunk - 1) / _rowsPerChunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        public void Execute(int chunk)
        {
            int cols = _w.Cols;
            int r0 = chunk * _rowsPerChunk, r1 = Math.Min(r0 + _rowsPerChunk, _w.Rows);
            float* row = ThreadScratch.Floats(ThreadScratch.Slot.Row, cols);
            for (int r = r0; r < r1; r++)
            {
                ScalarKernels.Dequantize(_w.Type, _w.Row(r), row, cols);
                for (int i = 0; i < _n; i++)
                {
                    float* xi = _x + (long)i * cols;
                    float sum = 0;
                    for (int c = 0; c < cols; c++) sum += xi[c] * row[c];
                    _y[(long)i * _w.Rows + r] = sum;
                }
            }
        }
    }
}
