using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Native;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Threading;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// The small-batch Q8_0 GEMM (batched decode, short prefill chunks; AVX-512 only): "rows in lanes". A tile of 16
/// weight rows is read one 32-element block at a time, its 16×16 int8 pairs are transposed in registers and widened to
/// int16, so register p holds k pair p of all 16 rows. Each token's block then costs one vpmaddwd per k pair against a
/// broadcast int16 activation pair, int32 sums over the block (exact: at most 32·128·32767 &lt; 2³¹), and one
/// convert and FMA with the 16 rows' scales × the token's block scale. The transpose is paid once per weight block and
/// reused by every token in registers, so nothing is packed to memory and every weight byte is read once per call,
/// which the panel GEMM (<see cref="GemmQ8_0"/>) cannot do below ~16 tokens without wasting lanes on padding.
/// Activations are the same int16 codes as the panel GEMM's (per token and 32-block, scale max|x| / 32767).
/// On CPUs with AVX-512 VNNI the tile runs in native code instead (Native/native_kernels.c): the same layout, but vpdpbusd
/// adds four int8 products per lane where vpmaddwd + vpaddd add two, with the GEMV's int8 activation codes
/// (<see cref="QuantizedActivations"/>); that kernel takes every batch from 2 tokens up, prefill included.
/// </summary>
public static unsafe partial class MatMul
{
    /// <summary>Rows per tile: one int32 lane each in a 512-bit register.</summary>
    private const int RowLaneTile = 16;

    /// <summary>Tokens whose accumulators and activations a chunk keeps hot; more tokens split into groups (chunks).</summary>
    private const int RowLaneTokenGroup = 32;

    /// <summary>
    /// Tokens per chunk for the VNNI tile, which keeps 16 tokens in registers and rereads the tile from L2 for the next
    /// 16: large enough that a prefill rereads its weights from memory only n / 64 times, small enough that a chunk's
    /// activations (64 × cols bytes) stay in L2.
    /// </summary>
    private const int VnniTokenGroup = 64;

    /// <summary>Blocks ahead of the current one that each row of a tile asks the memory system for.</summary>
    private const int RowLanePrefetchBlocks = 8;

    /// <param name="accumulate">y += x·Wᵀ instead of y = x·Wᵀ.</param>
    /// <param name="vnni">Run the native VNNI tile (<see cref="NativeKernels.VnniAvailable"/> must hold).</param>
    private static void GemmQ8_0RowLanes(WeightMatrix w, float* x, int n, float* y, WorkerPool pool, bool accumulate, bool vnni)
    {
        var job = RowLanesJob.Create(x, n, w.Cols, accumulate, swiGlu: false, vnni);
        job.Add(w, y, pool, w.TotalBytes);
        pool.For(job.ChunkCount, ref job);
    }

    /// <summary>
    /// Quantizes x to int8 codes for the VNNI tile on the calling thread's scratch: codes [block][token][32], then fp32
    /// scales [block][token], then -128 · Σ codes [block][token] (the kernel's sums start there, undoing the +128 that
    /// makes the weights unsigned). The codes are the GEMV's, so a token gets the same activations alone or batched.
    /// </summary>
    private static sbyte* PackVnniActivations(float* x, int n, int cols, out float* scales, out int* negSums)
    {
        int blocks = cols / 32;
        long entries = (long)blocks * n;
        float* scratch = ThreadScratch.Floats(ThreadScratch.Slot.PackedActivations, entries * 8 + entries * 2);
        var codes = (sbyte*)scratch;
        scales = scratch + entries * 8;
        negSums = (int*)(scales + entries);
        for (int t = 0; t < n; t++)
            for (int b = 0; b < blocks; b++)
            {
                long e = (long)b * n + t;
                QuantizedActivations.QuantizeBlock(x + (long)t * cols + b * 32, codes + e * 32, out scales[e], out int sum, CpuFeatures.SimdLevel.Avx512);
                negSums[e] = -128 * sum;
            }
        return codes;
    }

    /// <summary>
    /// Quantizes x to int16 codes on the calling thread's scratch, [block][token][32], then fp32 scales [block][token]:
    /// a block's codes for every token sit together, which is the order the kernel reads them in.
    /// Returns the codes; the scales follow them.
    /// </summary>
    private static short* PackRowLaneActivations(float* x, int n, int cols)
    {
        int blocks = cols / 32;
        long codeFloats = (long)blocks * n * 16;
        float* scratch = ThreadScratch.Floats(ThreadScratch.Slot.PackedActivations, codeFloats + (long)blocks * n);
        short* codes = (short*)scratch;
        float* scales = scratch + codeFloats;
        for (int t = 0; t < n; t++)
            for (int b = 0; b < blocks; b++)
                scales[(long)b * n + t] = QuantizeInt16Block(x + (long)t * cols + b * 32, codes + ((long)b * n + t) * 32, CpuFeatures.SimdLevel.Avx512);
        return codes;
    }

    /// <summary>
    /// Which row-lane kernel every matrix takes for n tokens by default (Q8_0, AVX-512, n in its range): VNNI where
    /// the CPU has it, for any n; the managed one up to <see cref="RowLanesMaxTokens"/>; null for neither.
    /// </summary>
    private static Q8_0Gemm? RowLanesFor(CpuFeatures.SimdLevel level, int n, bool? forceGemm, params ReadOnlySpan<WeightMatrix> ws)
    {
        var kernel = PickQ8_0Gemm(Q8_0Gemm.Auto, n, level);
        if (forceGemm == false || kernel is not (Q8_0Gemm.RowLanes or Q8_0Gemm.Vnni)) return null;
        foreach (var w in ws)
        {
            ArgumentNullException.ThrowIfNull(w);
            if (w.Type != WeightType.Q8_0 || w.Cols != ws[0].Cols) return null;
            if (forceGemm == null && n < GemmMinTokens(w.Type, level)) return null;
        }
        return kernel;
    }

    /// <summary>One matrix of a row-lane job and the chunks (row ranges, multiples of 16) that cover it.</summary>
    private struct RowLanesPart
    {
        public WeightMatrix W;
        public float* Y;
        public int RowsPerChunk;
        public int Chunks;
    }

    /// <summary>
    /// Up to three matrices over the same packed activations (q/k/v; gate/up with <c>swiGlu</c>, where a chunk takes
    /// the same rows of both and applies SiLU·mul to them). A chunk = a row range of one matrix × a group of up to
    /// <see cref="RowLaneTokenGroup"/> tokens (<see cref="VnniTokenGroup"/> for the native tile).
    /// </summary>
    private struct RowLanesJob : IParallelJob
    {
        private readonly short* _codes;
        private readonly sbyte* _int8Codes;
        private readonly float* _scales;
        private readonly int* _negSums;
        private readonly int _n, _tokenGroup, _tokenGroups;
        private readonly bool _accumulate, _swiGlu;
        private RowLanesPart _p0, _p1, _p2;
        private int _parts;

        /// <param name="codes">From <see cref="PackRowLaneActivations"/> for these n tokens and cols.</param>
        public RowLanesJob(short* codes, int n, int cols, bool accumulate, bool swiGlu)
        {
            _codes = codes; _n = n; _accumulate = accumulate; _swiGlu = swiGlu;
            _scales = (float*)(codes + (long)(cols / 32) * n * 32);
            _tokenGroup = RowLaneTokenGroup;
            _tokenGroups = (n + RowLaneTokenGroup - 1) / RowLaneTokenGroup;
        }

        /// <summary>The VNNI job over activations from <see cref="PackVnniActivations"/>.</summary>
        private RowLanesJob(sbyte* codes, float* scales, int* negSums, int n, bool accumulate, bool swiGlu)
        {
            _int8Codes = codes; _scales = scales; _negSums = negSums; _n = n; _accumulate = accumulate; _swiGlu = swiGlu;
            _tokenGroup = VnniTokenGroup;
            _tokenGroups = (n + VnniTokenGroup - 1) / VnniTokenGroup;
        }

        /// <summary>Packs x for the kernel (int8 codes for VNNI, int16 otherwise) and makes the job.</summary>
        public static RowLanesJob Create(float* x, int n, int cols, bool accumulate, bool swiGlu, bool vnni)
        {
            if (!vnni) return new RowLanesJob(PackRowLaneActivations(x, n, cols), n, cols, accumulate, swiGlu);
            var codes = PackVnniActivations(x, n, cols, out var scales, out var negSums);
            return new RowLanesJob(codes, scales, negSums, n, accumulate, swiGlu);
        }

        public void Add(WeightMatrix w, float* y, WorkerPool pool, long jobBytes)
        {
            int rows = ChunkRows(w, jobBytes, pool, RowLaneTile);
            var part = new RowLanesPart { W = w, Y = y, RowsPerChunk = rows, Chunks = (w.Rows + rows - 1) / rows };
            switch (_parts++)
            {
                case 0: _p0 = part; break;
                case 1: _p1 = part; break;
                case 2: _p2 = part; break;
                default: throw new InvalidOperationException("A row-lane job takes at most three matrices.");
            }
        }

        public readonly int ChunkCount => (_swiGlu ? _p0.Chunks : _p0.Chunks + _p1.Chunks + _p2.Chunks) * _tokenGroups;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Execute(int chunk)
        {
            int rowChunks = _swiGlu ? _p0.Chunks : _p0.Chunks + _p1.Chunks + _p2.Chunks;
            int rc = chunk % rowChunks, tg = chunk / rowChunks;
            int t0 = tg * _tokenGroup, t1 = Math.Min(t0 + _tokenGroup, _n);
            if (_swiGlu)
            {
                int r0 = rc * _p0.RowsPerChunk, r1 = Math.Min(r0 + _p0.RowsPerChunk, _p0.W.Rows);
                Rows(_p0, r0, r1, t0, t1);
                Rows(_p1, r0, r1, t0, t1);
                for (int t = t0; t < t1; t++)
                {
                    long at = (long)t * _p0.W.Rows + r0;
                    CpuKernels.SiluMul(_p0.Y + at, _p1.Y + at, r1 - r0, CpuFeatures.SimdLevel.Avx512);
                }
                return;
            }
            if (rc < _p0.Chunks) Rows(_p0, rc, t0, t1);
            else if ((rc -= _p0.Chunks) < _p1.Chunks) Rows(_p1, rc, t0, t1);
            else Rows(_p2, rc - _p1.Chunks, t0, t1);
        }

        private readonly void Rows(in RowLanesPart part, int rc, int t0, int t1)
        {
            int r0 = rc * part.RowsPerChunk;
            Rows(part, r0, Math.Min(r0 + part.RowsPerChunk, part.W.Rows), t0, t1);
        }

        private readonly void Rows(in RowLanesPart part, int r0, int r1, int t0, int t1)
        {
            float* acc = ThreadScratch.Floats(ThreadScratch.Slot.Tile, (long)_tokenGroup * RowLaneTile);
            for (int tile = r0; tile < r1; tile += RowLaneTile)
            {
                int validRows = Math.Min(RowLaneTile, part.W.Rows - tile);
                if (_int8Codes != null)
                {
                    // The native tile writes every acc entry for t0..t1; the managed one adds into them.
                    NativeKernels.Q8_0RowLanes(part.W.Row(tile), part.W.RowBytes, validRows, part.W.Cols / 32, _int8Codes, _scales, _negSums, _n, t0, t1, acc);
                }
                else
                {
                    new Span<float>(acc, (t1 - t0) * RowLaneTile).Clear();
                    Tile(part.W, tile, validRows, t0, t1, acc);
                }
                Store(part, acc, tile, Math.Min(RowLaneTile, r1 - tile), t0, t1);
            }
        }

        /// <summary>acc[t - t0][lane] = Σ over all k of row (tile + lane) · token t, for the tile's valid rows (the rest repeat the last row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Tile(WeightMatrix w, int firstRow, int validRows, int t0, int t1, float* acc)
        {
            int n = _n, blocks = w.Cols / 32;
            long rowBytes = w.RowBytes;
            byte* b0 = w.Row(firstRow);
            // Byte offsets of the tile's rows from its first; rows past the matrix reread the last one (never stored).
            var offsets = Vector512.Min(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(validRows - 1))
                          * Vector512.Create((int)rowBytes);
            int* off = stackalloc int[RowLaneTile];
            offsets.Store(off);
            // .NET has no 512-bit gather: two 256-bit ones.
            var offsetsLo = offsets.GetLower();
            var offsetsHi = offsets.GetUpper();
            var low16 = Vector512.Create(0xFFFFu);
            for (int b = 0; b < blocks; b++)
            {
                byte* blk = b0 + (long)b * sizeof(BlockQ8_0);
                if (b + RowLanePrefetchBlocks < blocks)
                {
                    byte* ahead = blk + RowLanePrefetchBlocks * sizeof(BlockQ8_0);
                    for (int r = 0; r < RowLaneTile; r++) Sse.Prefetch0(ahead + off[r]);
                }
                // The 16 rows' fp16 scales (each gathered dword is the scale and the first two codes).
                var gathered = Vector512.Create(Avx2.GatherVector256((int*)blk, offsetsLo, 1), Avx2.GatherVector256((int*)blk, offsetsHi, 1));
                var weightScales = HalfBits.ToSingle(gathered.AsUInt32() & low16);

                byte* q = blk + 2;
                // Words = int8 pairs; the transpose leaves pair p of row r at word r of register p.
                var r0 = Vector256.Load((short*)(q + off[0])); var r1 = Vector256.Load((short*)(q + off[1]));
                var r2 = Vector256.Load((short*)(q + off[2])); var r3 = Vector256.Load((short*)(q + off[3]));
                var r4 = Vector256.Load((short*)(q + off[4])); var r5 = Vector256.Load((short*)(q + off[5]));
                var r6 = Vector256.Load((short*)(q + off[6])); var r7 = Vector256.Load((short*)(q + off[7]));
                var r8 = Vector256.Load((short*)(q + off[8])); var r9 = Vector256.Load((short*)(q + off[9]));
                var r10 = Vector256.Load((short*)(q + off[10])); var r11 = Vector256.Load((short*)(q + off[11]));
                var r12 = Vector256.Load((short*)(q + off[12])); var r13 = Vector256.Load((short*)(q + off[13]));
                var r14 = Vector256.Load((short*)(q + off[14])); var r15 = Vector256.Load((short*)(q + off[15]));
                // Rows 0-7 and 8-15: an 8×8 word transpose within each 128-bit half (columns j and 8 + j).
                Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                Transpose8x8(ref r8, ref r9, ref r10, ref r11, ref r12, ref r13, ref r14, ref r15);
                // Halves: column j = [rows 0-7 | rows 8-15] from the low halves, column 8 + j from the high halves.
                var w0 = Widen(Avx2.Permute2x128(r0, r8, 0x20)); var w8 = Widen(Avx2.Permute2x128(r0, r8, 0x31));
                var w1 = Widen(Avx2.Permute2x128(r1, r9, 0x20)); var w9 = Widen(Avx2.Permute2x128(r1, r9, 0x31));
                var w2 = Widen(Avx2.Permute2x128(r2, r10, 0x20)); var w10 = Widen(Avx2.Permute2x128(r2, r10, 0x31));
                var w3 = Widen(Avx2.Permute2x128(r3, r11, 0x20)); var w11 = Widen(Avx2.Permute2x128(r3, r11, 0x31));
                var w4 = Widen(Avx2.Permute2x128(r4, r12, 0x20)); var w12 = Widen(Avx2.Permute2x128(r4, r12, 0x31));
                var w5 = Widen(Avx2.Permute2x128(r5, r13, 0x20)); var w13 = Widen(Avx2.Permute2x128(r5, r13, 0x31));
                var w6 = Widen(Avx2.Permute2x128(r6, r14, 0x20)); var w14 = Widen(Avx2.Permute2x128(r6, r14, 0x31));
                var w7 = Widen(Avx2.Permute2x128(r7, r15, 0x20)); var w15 = Widen(Avx2.Permute2x128(r7, r15, 0x31));

                int* xp = (int*)(_codes + ((long)b * n + t0) * 32);
                float* ts = _scales + (long)b * n;
                float* a = acc;
                for (int t = t0; t < t1; t++, xp += 16, a += RowLaneTile)
                {
                    // Four independent sums so the multiplies are not serialized on one add chain.
                    var s0 = Avx512BW.MultiplyAddAdjacent(w0, Vector512.Create(xp[0]).AsInt16());
                    var s1 = Avx512BW.MultiplyAddAdjacent(w1, Vector512.Create(xp[1]).AsInt16());
                    var s2 = Avx512BW.MultiplyAddAdjacent(w2, Vector512.Create(xp[2]).AsInt16());
                    var s3 = Avx512BW.MultiplyAddAdjacent(w3, Vector512.Create(xp[3]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w4, Vector512.Create(xp[4]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w5, Vector512.Create(xp[5]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w6, Vector512.Create(xp[6]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w7, Vector512.Create(xp[7]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w8, Vector512.Create(xp[8]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w9, Vector512.Create(xp[9]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w10, Vector512.Create(xp[10]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w11, Vector512.Create(xp[11]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w12, Vector512.Create(xp[12]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w13, Vector512.Create(xp[13]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w14, Vector512.Create(xp[14]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w15, Vector512.Create(xp[15]).AsInt16());
                    var sum = Vector512.ConvertToSingle((s0 + s1) + (s2 + s3));
                    Vector512.FusedMultiplyAdd(sum, weightScales * Vector512.Create(ts[t]), Vector512.Load(a)).Store(a);
                }
            }
        }

        private readonly void Store(in RowLanesPart part, float* acc, int firstRow, int validRows, int t0, int t1)
        {
            int rows = part.W.Rows;
            for (int t = t0; t < t1; t++)
            {
                float* src = acc + (t - t0) * RowLaneTile;
                float* dst = part.Y + (long)t * rows + firstRow;
                if (validRows == RowLaneTile)
                {
                    var v = Vector512.Load(src);
                    (_accumulate ? v + Vector512.Load(dst) : v).Store(dst);
                }
                else if (_accumulate)
                {
                    for (int r = 0; r < validRows; r++) dst[r] += src[r];
                }
                else
                {
                    for (int r = 0; r < validRows; r++) dst[r] = src[r];
                }
            }
        }
    }

    /// <summary>Sign-extends 32 int8 codes (16 pairs held as words) to int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> Widen(Vector256<short> pairs) => Avx512BW.ConvertToVector512Int16(pairs.AsSByte());

    /// <summary>
    /// Transposes the 8×8 word matrix held in each 128-bit half of eight registers: afterwards word i of register j's
    /// low half is word j of input i's low half (and likewise in the high halves). Three rounds of unpacks: words, then
    /// dwords, then qwords.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<short> a0, ref Vector256<short> a1, ref Vector256<short> a2, ref Vector256<short> a3,
                                     ref Vector256<short> a4, ref Vector256<short> a5, ref Vector256<short> a6, ref Vector256<short> a7)
    {
        // Rows i, i+1 interleaved: t0 = columns 0-3 of rows 0,1; t1 = columns 4-7 of rows 0,1; ...
        var t0 = Avx2.UnpackLow(a0, a1).AsInt32(); var t1 = Avx2.UnpackHigh(a0, a1).AsInt32();
        var t2 = Avx2.UnpackLow(a2, a3).AsInt32(); var t3 = Avx2.UnpackHigh(a2, a3).AsInt32();
        var t4 = Avx2.UnpackLow(a4, a5).AsInt32(); var t5 = Avx2.UnpackHigh(a4, a5).AsInt32();
        var t6 = Avx2.UnpackLow(a6, a7).AsInt32(); var t7 = Avx2.UnpackHigh(a6, a7).AsInt32();
        // Rows 0-3 (or 4-7), two columns each: u0 = columns 0,1; u1 = 2,3; u2 = 4,5; u3 = 6,7.
        var u0 = Avx2.UnpackLow(t0, t2).AsInt64(); var u1 = Avx2.UnpackHigh(t0, t2).AsInt64();
        var u2 = Avx2.UnpackLow(t1, t3).AsInt64(); var u3 = Avx2.UnpackHigh(t1, t3).AsInt64();
        var u4 = Avx2.UnpackLow(t4, t6).AsInt64(); var u5 = Avx2.UnpackHigh(t4, t6).AsInt64();
        var u6 = Avx2.UnpackLow(t5, t7).AsInt64(); var u7 = Avx2.UnpackHigh(t5, t7).AsInt64();
        a0 = Avx2.UnpackLow(u0, u4).AsInt16(); a1 = Avx2.UnpackHigh(u0, u4).AsInt16();
        a2 = Avx2.UnpackLow(u1, u5).AsInt16(); a3 = Avx2.UnpackHigh(u1, u5).AsInt16();
        a4 = Avx2.UnpackLow(u2, u6).AsInt16(); a5 = Avx2.UnpackHigh(u2, u6).AsInt16();
        a6 = Avx2.UnpackLow(u3, u7).AsInt16(); a7 = Avx2.UnpackHigh(u3, u7).AsInt16();
    }
}
