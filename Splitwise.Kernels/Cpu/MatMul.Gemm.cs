using System.Runtime.CompilerServices;
using Splitwise.Kernels.Threading;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

public static unsafe partial class MatMul
{
    /// <summary>Reduction-dimension step (kc) and the row stride of a packed weight panel; a multiple of every block size.</summary>
    private const int PanelStride = 256;
    /// <summary>Weight panels per work chunk: the chunk's output tiles (8 · 14 rows × 256 tokens) stay in L2.</summary>
    private const int PanelsPerGroup = 8;
    /// <summary>Token blocks per work chunk: the activation slice at one kc step (256 tokens × 256 × 4 B) stays in L2.</summary>
    private const int TokenBlocksPerGroup = 8;

    private static void Gemm(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, Level level)
    {
        int tb = TokenBlockWidth(level, n);
        int tokenBlocks = (n + tb - 1) / tb;
        // Activations are packed on the calling thread's scratch (workers only read it during this call).
        float* packed = ThreadScratch.Floats(ThreadScratch.Slot.PackedActivations, (long)tokenBlocks * w.Cols * tb);
        var pack = new PackActivationsJob(x, n, w.Cols, tb, packed);
        pool.For(tokenBlocks, ref pack);
        var job = new GemmJob(w, packed, n, y, level);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>Tokens per micro-kernel call: the full-width kernel, or the half-width one when that would mostly be padding.</summary>
    private static int TokenBlockWidth(Level level, int n)
    {
        int full = level == Level.Avx512 ? 32 : 16;
        return n <= full / 2 ? full / 2 : full;
    }

    /// <summary>Token block t becomes [k][tb] (token t·tb + j at lane j), zero-padded past the last token.</summary>
    private readonly struct PackActivationsJob : IParallelJob
    {
        private readonly float* _x;
        private readonly float* _packed;
        private readonly int _n, _cols, _tb;

        public PackActivationsJob(float* x, int n, int cols, int tb, float* packed)
        {
            _x = x; _n = n; _cols = cols; _tb = tb; _packed = packed;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        public void Execute(int t)
        {
            int tb = _tb, cols = _cols;
            float* dst = _packed + (long)t * cols * tb;
            for (int j = 0; j < tb; j++)
            {
                int token = t * tb + j;
                if (token < _n)
                {
                    float* src = _x + (long)token * cols;
                    for (int k = 0; k < cols; k++) dst[(long)k * tb + j] = src[k];
                }
                else
                {
                    for (int k = 0; k < cols; k++) dst[(long)k * tb + j] = 0;
                }
            }
        }
    }

    /// <summary>
    /// A panel GEMM's chunk grid: token blocks of <paramref name="tb"/> tokens, TokenBlocksPerGroup to a token group,
    /// and row groups of PanelsPerGroup panels of <paramref name="mr"/> rows; one chunk per (row group, token group).
    /// </summary>
    private static (int TokenBlocks, int TokenGroups, int RowGroups) GemmTiling(int rows, int n, int mr, int tb)
    {
        int tokenBlocks = (n + tb - 1) / tb;
        int groupRows = mr * PanelsPerGroup;
        return (tokenBlocks, (tokenBlocks + TokenBlocksPerGroup - 1) / TokenBlocksPerGroup, (rows + groupRows - 1) / groupRows);
    }

    /// <summary>
    /// One chunk = a group of weight panels × a group of token blocks. For each kc step it dequantizes each panel once
    /// into L1 and runs the micro-kernel over every token block, accumulating into output tiles kept in scratch;
    /// at the end the tiles are transposed into y.
    /// </summary>
    private readonly struct GemmJob : IParallelJob
    {
        private readonly WeightMatrix _w;
        private readonly float* _packed;
        private readonly float* _y;
        private readonly int _n;
        private readonly Level _level;
        private readonly int _mr, _tb, _tokenBlocks, _tokenGroups, _rowGroups;

        public GemmJob(WeightMatrix w, float* packed, int n, float* y, Level level)
        {
            _w = w; _packed = packed; _n = n; _y = y; _level = level;
            _mr = level == Level.Avx512 ? 14 : 6;
            _tb = TokenBlockWidth(level, n);
            (_tokenBlocks, _tokenGroups, _rowGroups) = GemmTiling(w.Rows, n, _mr, _tb);
        }

        public int ChunkCount => _rowGroups * _tokenGroups;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        public void Execute(int chunk)
        {
            int mr = _mr, tb = _tb, cols = _w.Cols, rows = _w.Rows;
            int g = chunk % _rowGroups, h = chunk / _rowGroups;
            int r0 = g * mr * PanelsPerGroup, r1 = Math.Min(r0 + mr * PanelsPerGroup, rows);
            int panels = (r1 - r0 + mr - 1) / mr;
            int t0 = h * TokenBlocksPerGroup, t1 = Math.Min(t0 + TokenBlocksPerGroup, _tokenBlocks);
            int tcount = t1 - t0, tile = mr * tb;
            float* panel = ThreadScratch.Floats(ThreadScratch.Slot.Panel, (long)mr * PanelStride);
            float* tiles = ThreadScratch.Floats(ThreadScratch.Slot.Tile, (long)panels * tcount * tile);
            var type = _w.Type;
            int blockElements = WeightTypeInfo.BlockElements(type), blockBytes = WeightTypeInfo.BlockBytes(type);

            for (int k0 = 0; k0 < cols; k0 += PanelStride)
            {
                int kc = Math.Min(PanelStride, cols - k0);
                long byteOffset = (long)k0 / blockElements * blockBytes;
                for (int p = 0; p < panels; p++)
                {
                    int pr0 = r0 + p * mr, prows = Math.Min(mr, r1 - pr0);
                    for (int rr = 0; rr < prows; rr++)
                        DequantizeRow(type, _w.Row(pr0 + rr) + byteOffset, panel + rr * PanelStride, kc, _level);
                    for (int rr = prows; rr < mr; rr++)
                        new Span<float>(panel + rr * PanelStride, kc).Clear();
                    for (int t = t0; t < t1; t++)
                    {
                        float* a = _packed + ((long)t * cols + k0) * tb;
                        float* c = tiles + ((long)p * tcount + (t - t0)) * tile;
                        bool acc = k0 > 0;
                        switch (tb)
                        {
                            case 32: Kernel14x32(panel, a, kc, c, acc); break;
                            case 16 when mr == 14: Kernel14x16(panel, a, kc, c, acc); break;
                            case 16: Kernel6x16(panel, a, kc, c, acc); break;
                            default: Kernel6x8(panel, a, kc, c, acc); break;
                        }
                    }
                }
            }

            for (int p = 0; p < panels; p++)
            {
                int pr0 = r0 + p * mr, prows = Math.Min(mr, r1 - pr0);
                for (int t = t0; t < t1; t++)
                {
                    float* c = tiles + ((long)p * tcount + (t - t0)) * tile;
                    int jmax = Math.Min(tb, _n - t * tb);
                    for (int j = 0; j < jmax; j++)
                    {
                        float* yrow = _y + (long)(t * tb + j) * rows + pr0;
                        for (int rr = 0; rr < prows; rr++) yrow[rr] = c[rr * tb + j];
                    }
                }
            }
        }
    }
}
