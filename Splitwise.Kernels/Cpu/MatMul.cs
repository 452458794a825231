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
/// activations (<see cref="GemmQ8_0"/>). The scalar level is the reference implementation.
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

    public static void Multiply(WeightMatrix w, float* x, int n, float* y, WorkerPool pool)
        => Multiply(w, x, n, y, pool, CpuFeatures.Level);

    /// <param name="forceGemm">true/false forces the GEMM/GEMV path; null picks by <see cref="GemmMinTokens"/>.</param>
    /// <param name="integerGemm">false sends Q8_0 through the fp32 panel GEMM instead of the integer one (comparisons).</param>
    internal static void Multiply(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, Level level, bool? forceGemm = null, bool integerGemm = true)
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
            var job = new ScalarJob(w, x, n, y, ChunkRows(w, pool));
            pool.For(job.ChunkCount, ref job);
        }
        else if (forceGemm ?? n >= GemmMinTokens(w.Type))
        {
            if (w.Type == WeightType.Q8_0 && integerGemm) GemmQ8_0(w, x, n, y, pool, level);
            else Gemm(w, x, n, y, pool, level);
        }
        else
        {
            QuantizedActivations? xa = null;
            if (w.Type is WeightType.Q8_0 or WeightType.Q4_0)
            {
                xa = QuantizedActivations.ForCurrentThread();
                xa.Quantize(x, n, w.Cols, level);
            }
            var job = new GemvJob(w, x, n, y, xa, level, ChunkRows(w, pool));
            pool.For(job.ChunkCount, ref job);
        }
    }

    /// <summary>Rows per chunk: several chunks per thread so a slow core does not hold up the step, but not so many that hand-off dominates.</summary>
    private static int ChunkRows(WeightMatrix w, WorkerPool pool)
    {
        int chunks = Math.Max(1, pool.ThreadCount * 8);
        long minRowsForBytes = Math.Max(1, 16384 / Math.Max(1, w.RowBytes));
        return (int)Math.Max(minRowsForBytes, (w.Rows + chunks - 1) / chunks);
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

    /// <summary>Decode-shaped work: each chunk owns a range of weight rows and multiplies them with every token.</summary>
    private readonly struct GemvJob : IParallelJob
    {
        private readonly WeightMatrix _w;
        private readonly float* _x;
        private readonly float* _y;
        private readonly int _n;
        private readonly QuantizedActivations? _xa;
        private readonly Level _level;
        private readonly int _rowsPerChunk;

        public GemvJob(WeightMatrix w, float* x, int n, float* y, QuantizedActivations? xa, Level level, int rowsPerChunk)
        {
            _w = w; _x = x; _n = n; _y = y; _xa = xa; _level = level; _rowsPerChunk = rowsPerChunk;
        }

        public int ChunkCount => (_w.Rows + _rowsPerChunk - 1) / _rowsPerChunk;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        public void Execute(int chunk)
        {
            int cols = _w.Cols, rows = _w.Rows;
            int r0 = chunk * _rowsPerChunk, r1 = Math.Min(r0 + _rowsPerChunk, rows);
            var type = _w.Type;
            bool fused = type switch
            {
                WeightType.F32 or WeightType.Q8_0 or WeightType.Q4_0 => true,
                WeightType.F16 or WeightType.BF16 => _n == 1,
                _ => false,
            };
            float* scratch = fused ? null : ThreadScratch.Floats(ThreadScratch.Slot.Row, cols);
            int blocks = cols / 32;
            if (type == WeightType.Q8_0 && _n > 1 && _level != Level.Scalar)
            {
                MultiTokenQ8_0(r0, r1, blocks);
                return;
            }
            for (int r = r0; r < r1; r++)
            {
                byte* row = _w.Row(r);
                if (!fused)
                {
                    DequantizeRow(type, row, scratch, cols, _level);
                    for (int i = 0; i < _n; i++)
                        _y[(long)i * rows + r] = CpuKernels.Dot(scratch, _x + (long)i * cols, cols, _level);
                    continue;
                }
                for (int i = 0; i < _n; i++)
                {
                    float* xi = _x + (long)i * cols;
                    _y[(long)i * rows + r] = type switch
                    {
                        WeightType.F32 => DotF32(row, xi, cols, _level),
                        WeightType.F16 => DotF16(row, xi, cols, _level),
                        WeightType.BF16 => DotBF16(row, xi, cols, _level),
                        WeightType.Q8_0 => DotQ8_0(row, _xa!, i, blocks, _level),
                        _ => DotQ4_0(row, _xa!, i, blocks, _level),
                    };
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void MultiTokenQ8_0(int r0, int r1, int blocks)
        {
            int rows = _w.Rows;
            float* weightScales = stackalloc float[blocks];
            float* results = stackalloc float[4];
            for (int r = r0; r < r1; r++)
            {
                byte* row = _w.Row(r);
                PrefetchNextRow(row, blocks * sizeof(Quant.BlockQ8_0));
                RowScales(row, sizeof(Quant.BlockQ8_0), weightScales, blocks, _level);
                for (int i = 0; i < _n; i += 4)
                {
                    int count = Math.Min(4, _n - i);
                    DotQ8_0x4(row, weightScales, _xa!, i, count, blocks, results);
                    for (int k = 0; k < count; k++) _y[(long)(i + k) * rows + r] = results[k];
                }
            }
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
