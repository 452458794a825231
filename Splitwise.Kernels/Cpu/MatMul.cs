using System.Numerics.Tensors;
using Splitwise.Kernels.Reference;
using Splitwise.Kernels.Threading;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// y[n, W.Rows] = x[n, W.Cols] · Wᵀ for a weight matrix in any stored encoding.
/// x and y are row-major fp32 activations; n is the number of tokens (1..few = decode, many = prefill).
/// </summary>
public static unsafe partial class MatMul
{
    public static void Multiply(WeightMatrix w, float* x, int n, float* y, WorkerPool pool)
    {
        var job = new RowBlockJob(w, x, n, y);
        pool.For(job.ChunkCount, ref job);
    }

    private const int RowsPerChunk = 16;

    /// <summary>Dequantizes a block of weight rows once, then dots each with every activation row.</summary>
    private readonly struct RowBlockJob : IParallelJob
    {
        private readonly WeightMatrix _w;
        private readonly float* _x;
        private readonly float* _y;
        private readonly int _n;

        public RowBlockJob(WeightMatrix w, float* x, int n, float* y)
        {
            _w = w; _x = x; _n = n; _y = y;
        }

        public int ChunkCount => (_w.Rows + RowsPerChunk - 1) / RowsPerChunk;

        public void Execute(int chunk)
        {
            int cols = _w.Cols;
            int r0 = chunk * RowsPerChunk, r1 = Math.Min(r0 + RowsPerChunk, _w.Rows);
            float[]? rented = null;
            Span<float> buffer = cols <= 4096 ? stackalloc float[cols] : (rented = System.Buffers.ArrayPool<float>.Shared.Rent(cols));
            fixed (float* rp = buffer)
            {
                for (int r = r0; r < r1; r++)
                {
                    float* src = _w.Type == WeightType.F32 ? (float*)_w.Row(r) : rp;
                    if (_w.Type != WeightType.F32) ScalarKernels.Dequantize(_w.Type, _w.Row(r), rp, cols);
                    var wr = new ReadOnlySpan<float>(src, cols);
                    for (int i = 0; i < _n; i++)
                        _y[(long)i * _w.Rows + r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_x + (long)i * cols, cols), wr);
                }
            }
            if (rented != null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }
}
