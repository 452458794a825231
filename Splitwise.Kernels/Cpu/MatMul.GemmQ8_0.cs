using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Threading;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// The integer GEMM for Q8_0 weights (prefill and batched decode). Activations are quantized per token and 32-element
/// block to int16 (scale max|x| / 32767, so the rounding error is 1/256 of the int8 GEMV's), weight blocks are widened
/// from int8 to int16, and vpmaddwd does two multiply-adds per int32 lane: about twice the multiply-adds per
/// instruction of the fp32 micro-kernel, which .NET's lack of an AVX-512 VNNI API (vpdpbusd) leaves as the best
/// integer form. vpmaddubsw would pack four byte products per lane but needs an unsigned operand, so signed weights
/// cost a sign fix per product, which measured slower than widening once per panel.
/// </summary>
public static unsafe partial class MatMul
{
    /// <summary>32-element blocks in one packed panel row (PanelStride values).</summary>
    private const int PanelBlocks = PanelStride / 32;

    /// <summary>Packed activations of one token group up to which a chunk runs panel by panel over all of k (L2 holds them).</summary>
    private const long PanelOuterActivationBytes = 256 * 1024;

    /// <summary>Largest int16 activation code: the block maximum maps to it.</summary>
    private const float Int16Max = 32767f;

    /// <summary>int32 lanes across a micro-kernel's two registers per row: (token, k pair) slots.</summary>
    private static int Q8_0Lanes(Level level) => level == Level.Avx512 ? 32 : 16;

    /// <summary>
    /// k interleave: consecutive lanes per token (1, 2 or 4), the smallest that still fills the lanes with real
    /// tokens, so a batch of 8 uses every lane instead of padding to 32 tokens.
    /// </summary>
    private static int Q8_0Interleave(Level level, int n)
    {
        int lanes = Q8_0Lanes(level);
        return n <= lanes / 4 ? 4 : n <= lanes / 2 ? 2 : 1;
    }

    private static void GemmQ8_0(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, Level level)
    {
        int lanes = Q8_0Lanes(level), tb = lanes / Q8_0Interleave(level, n);
        int tokenBlocks = (n + tb - 1) / tb, cols = w.Cols;
        // Packed on the calling thread's scratch: per token block, int16 codes [k group][lanes][2] (cols · tb values),
        // then per token block fp32 scales [block][lanes], each token's scale repeated over its lanes.
        long codeFloats = (long)tokenBlocks * cols * tb / 2;
        float* scratch = ThreadScratch.Floats(ThreadScratch.Slot.PackedActivations, codeFloats + (long)tokenBlocks * (cols / 32) * lanes);
        var pack = new PackInt16ActivationsJob(x, n, cols, tb, lanes, (short*)scratch, scratch + codeFloats, level);
        pool.For(pack.ChunkCount, ref pack);
        var job = new GemmQ8_0Job(w, (short*)scratch, scratch + codeFloats, n, y, level);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>
    /// Quantizes each token's 32-element blocks to int16 and scatters them into the token block's interleaved layout:
    /// k pair p of token j goes to k group p / g, lane j · g + p % g. Tokens past n get zero codes and scales. One
    /// chunk = one token block, as in the fp32 packing: a decode batch is one chunk, run inline, since a hand-off to a
    /// worker would cost more than quantizing 16 rows.
    /// </summary>
    private readonly struct PackInt16ActivationsJob : IParallelJob
    {
        private readonly float* _x;
        private readonly short* _codes;
        private readonly float* _scales;
        private readonly int _n, _cols, _tb, _lanes;
        private readonly Level _level;

        public PackInt16ActivationsJob(float* x, int n, int cols, int tb, int lanes, short* codes, float* scales, Level level)
        {
            _x = x; _n = n; _cols = cols; _tb = tb; _lanes = lanes; _codes = codes; _scales = scales; _level = level;
        }

        public int ChunkCount => (_n + _tb - 1) / _tb;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int t)
        {
            int tb = _tb, cols = _cols, lanes = _lanes, g = lanes / tb, blocks = cols / 32;
            int* codes = (int*)(_codes + (long)t * cols * tb);
            float* scales = _scales + (long)t * blocks * lanes;
            int* pairs = stackalloc int[16];
            for (int j = 0; j < tb; j++)
            {
                int token = t * tb + j;
                for (int b = 0; b < blocks; b++)
                {
                    float scale = 0;
                    if (token < _n) scale = QuantizeInt16Block(_x + (long)token * cols + b * 32, (short*)pairs, _level);
                    else new Span<int>(pairs, 16).Clear();
                    for (int i = 0; i < g; i++) scales[b * lanes + j * g + i] = scale;
                    // The block's 16 k pairs fill 16 / g k groups; each group takes g consecutive pairs at lane j·g.
                    int* dst = codes + (long)b * 16 / g * lanes + j * g;
                    for (int p = 0; p < 16; p += g, dst += lanes)
                        for (int i = 0; i < g; i++) dst[i] = pairs[p + i];
                }
            }
        }
    }

    /// <summary>q[j] = round(x[j] / d) for 32 values with d = max|x| / 32767; returns d (0 for an all-zero block). AVX2 or AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float QuantizeInt16Block(float* x, short* q, Level level)
    {
        if (level == Level.Avx512)
        {
            var lo = Vector512.Load(x);
            var hi = Vector512.Load(x + 16);
            float amax = MaxAcross(Vector512.Max(Vector512.Abs(lo), Vector512.Abs(hi)));
            var inv = Vector512.Create(amax > 0 ? Int16Max / amax : 0f);
            // Narrow keeps element order; |codes| <= 32767 by construction, so truncation is exact.
            Vector512.Narrow(Vector512.ConvertToInt32(Vector512.Round(lo * inv)), Vector512.ConvertToInt32(Vector512.Round(hi * inv))).Store(q);
            return amax / Int16Max;
        }
        var v0 = Vector256.Load(x);
        var v1 = Vector256.Load(x + 8);
        var v2 = Vector256.Load(x + 16);
        var v3 = Vector256.Load(x + 24);
        var m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float max = MaxAcross(m);
        var scale = Vector256.Create(max > 0 ? Int16Max / max : 0f);
        Vector256.Narrow(Vector256.ConvertToInt32(Vector256.Round(v0 * scale)), Vector256.ConvertToInt32(Vector256.Round(v1 * scale))).Store(q);
        Vector256.Narrow(Vector256.ConvertToInt32(Vector256.Round(v2 * scale)), Vector256.ConvertToInt32(Vector256.Round(v3 * scale))).Store(q + 16);
        return max / Int16Max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector512<float> v) => MaxAcross(Vector256.Max(v.GetLower(), v.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector256<float> m)
    {
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        float r = 0;
        for (int j = 0; j < 4; j++) r = MathF.Max(r, m4[j]);
        return r;
    }

    /// <summary>
    /// One chunk = a group of weight panels × a group of token blocks, as in the fp32 GEMM: for each kc step each
    /// panel is widened to int16 once (with its block scales) and reused by every token block of the group; fp32
    /// output tiles accumulate in scratch and are transposed into y at the end.
    /// </summary>
    private readonly struct GemmQ8_0Job : IParallelJob
    {
        private readonly WeightMatrix _w;
        private readonly short* _codes;
        private readonly float* _scales;
        private readonly float* _y;
        private readonly int _n;
        private readonly Level _level;
        private readonly int _mr, _lanes, _tb, _tokenBlocks, _tokenGroups, _rowGroups;

        public GemmQ8_0Job(WeightMatrix w, short* codes, float* scales, int n, float* y, Level level)
        {
            _w = w; _codes = codes; _scales = scales; _n = n; _y = y; _level = level;
            _mr = level == Level.Avx512 ? 12 : 4;
            _lanes = Q8_0Lanes(level);
            _tb = _lanes / Q8_0Interleave(level, n);
            (_tokenBlocks, _tokenGroups, _rowGroups) = GemmTiling(w.Rows, n, _mr, _tb);
        }

        public int ChunkCount => _rowGroups * _tokenGroups;

        /// <summary>
        /// Asks for the blocks the next panel will widen. A chunk reads ~100 rows a few hundred bytes at a time, more
        /// streams than the hardware prefetchers follow, so without this each panel waits on DRAM before its arithmetic.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void PrefetchPanel(int firstRow, int rowCount, int blockOffset, int blocks)
        {
            if (!Sse.IsSupported) return;
            int bytes = blocks * sizeof(BlockQ8_0);
            for (int rr = 0; rr < rowCount; rr++)
            {
                byte* start = _w.Row(firstRow + rr) + (long)blockOffset * sizeof(BlockQ8_0);
                for (int offset = 0; offset < bytes; offset += 64) Sse.Prefetch0(start + offset);
                Sse.Prefetch0(start + bytes - 1);
            }
        }

        /// <summary>Widens panel p's rows at k0 (zero rows past the matrix) and runs the micro-kernel for token blocks t0..t1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PanelStep(int p, int pr0, int prows, int k0, int t0, int t1, float* tiles, short* panel, float* panelScales)
        {
            int mr = _mr, tb = _tb, lanes = _lanes, cols = _w.Cols, blocksPerRow = cols / 32;
            int kc = Math.Min(PanelStride, cols - k0), blocks = kc / 32, blockOffset = k0 / 32, tile = mr * lanes, tcount = t1 - t0;
            for (int rr = 0; rr < prows; rr++)
                WidenQ8_0(_w.Row(pr0 + rr) + (long)blockOffset * sizeof(BlockQ8_0), panel + rr * PanelStride, panelScales + rr * PanelBlocks, blocks, _level);
            for (int rr = prows; rr < mr; rr++)
            {
                new Span<short>(panel + rr * PanelStride, kc).Clear();
                new Span<float>(panelScales + rr * PanelBlocks, blocks).Clear();
            }
            for (int t = t0; t < t1; t++)
            {
                short* a = _codes + ((long)t * cols + k0) * tb;
                float* s = _scales + ((long)t * blocksPerRow + blockOffset) * lanes;
                float* c = tiles + ((long)p * tcount + (t - t0)) * tile;
                switch (mr, tb)
                {
                    case (12, 32): KernelQ8_0x12<Interleave1>(panel, panelScales, a, s, blocks, c); break;
                    case (12, 16): KernelQ8_0x12<Interleave2>(panel, panelScales, a, s, blocks, c); break;
                    case (12, _): KernelQ8_0x12<Interleave4>(panel, panelScales, a, s, blocks, c); break;
                    case (_, 16): KernelQ8_0x4<Interleave1>(panel, panelScales, a, s, blocks, c); break;
                    case (_, 8): KernelQ8_0x4<Interleave2>(panel, panelScales, a, s, blocks, c); break;
                    default: KernelQ8_0x4<Interleave4>(panel, panelScales, a, s, blocks, c); break;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk)
        {
            int mr = _mr, tb = _tb, lanes = _lanes, interleave = lanes / tb, cols = _w.Cols, rows = _w.Rows, blocksPerRow = cols / 32;
            int g = chunk % _rowGroups, h = chunk / _rowGroups;
            int r0 = g * mr * PanelsPerGroup, r1 = Math.Min(r0 + mr * PanelsPerGroup, rows);
            int panels = (r1 - r0 + mr - 1) / mr;
            int t0 = h * TokenBlocksPerGroup, t1 = Math.Min(t0 + TokenBlocksPerGroup, _tokenBlocks);
            int tcount = t1 - t0, tile = mr * lanes;
            // The panel slot holds the int16 rows and, after them, each row's PanelBlocks scales.
            float* panelSlot = ThreadScratch.Floats(ThreadScratch.Slot.Panel, (long)mr * (PanelStride / 2 + PanelBlocks));
            short* panel = (short*)panelSlot;
            float* panelScales = panelSlot + mr * PanelStride / 2;
            float* tiles = ThreadScratch.Floats(ThreadScratch.Slot.Tile, (long)panels * tcount * tile);
            new Span<float>(tiles, panels * tcount * tile).Clear();

            if ((long)tcount * tb * cols * sizeof(short) <= PanelOuterActivationBytes)
            {
                // Few tokens: finish one panel's rows across all of k before the next, so each row is read front to
                // back (what the hardware prefetchers follow) while the group's activations stay in L2.
                for (int p = 0; p < panels; p++)
                    for (int k0 = 0; k0 < cols; k0 += PanelStride)
                    {
                        int pr0 = r0 + p * mr, prows = Math.Min(mr, r1 - pr0), nextK = k0 + PanelStride;
                        if (nextK < cols) PrefetchPanel(pr0, prows, nextK / 32, Math.Min(PanelBlocks, blocksPerRow - nextK / 32));
                        else if (p + 1 < panels) PrefetchPanel(pr0 + mr, Math.Min(mr, r1 - pr0 - mr), 0, Math.Min(PanelBlocks, blocksPerRow));
                        PanelStep(p, pr0, prows, k0, t0, t1, tiles, panel, panelScales);
                    }
            }
            else
            {
                // Many tokens: k outermost, so one k slice of the group's activations is reused by every panel.
                for (int k0 = 0; k0 < cols; k0 += PanelStride)
                    for (int p = 0; p < panels; p++)
                    {
                        int pr0 = r0 + p * mr, prows = Math.Min(mr, r1 - pr0), blockOffset = k0 / 32;
                        if (p + 1 < panels) PrefetchPanel(pr0 + mr, Math.Min(mr, r1 - pr0 - mr), blockOffset, Math.Min(PanelBlocks, blocksPerRow - blockOffset));
                        else if (k0 + PanelStride < cols) PrefetchPanel(r0, Math.Min(mr, r1 - r0), blockOffset + PanelBlocks, Math.Min(PanelBlocks, blocksPerRow - blockOffset - PanelBlocks));
                        PanelStep(p, pr0, prows, k0, t0, t1, tiles, panel, panelScales);
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
                        for (int rr = 0; rr < prows; rr++)
                        {
                            // A token's interleaved lanes hold partial sums over disjoint k pairs.
                            float* lane = c + rr * lanes + j * interleave;
                            float sum = lane[0];
                            for (int i = 1; i < interleave; i++) sum += lane[i];
                            yrow[rr] = sum;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Widens <paramref name="blocks"/> (at most <see cref="PanelBlocks"/>) Q8_0 blocks to int16 codes and writes their scales as fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidenQ8_0(byte* src, short* dst, float* scales, int blocks, Level level)
    {
        var blk = (BlockQ8_0*)src;
        // Eight plain loads instead of a vpgatherdd (as RowScales does): the widening reads these cache lines anyway, and
        // the gather measured no faster. PanelBlocks is 8.
        if (blocks == PanelBlocks)
        {
            var halves = Vector128.Create(blk[0].D, blk[1].D, blk[2].D, blk[3].D, blk[4].D, blk[5].D, blk[6].D, blk[7].D);
            HalfBits.ToSingle(Avx2.ConvertToVector256Int32(halves).AsUInt32()).Store(scales);
        }
        else
        {
            for (int b = 0; b < blocks; b++) scales[b] = HalfBits.ToSingle(blk[b].D);
        }
        for (int b = 0; b < blocks; b++, dst += 32)
        {
            sbyte* q = blk[b].Qs;
            if (level == Level.Avx512)
            {
                Avx512BW.ConvertToVector512Int16(Vector256.Load(q)).Store(dst);
            }
            else
            {
                Avx2.ConvertToVector256Int16(Vector128.Load(q)).Store(dst);
                Avx2.ConvertToVector256Int16(Vector128.Load(q + 16)).Store(dst + 16);
            }
        }
    }
}
