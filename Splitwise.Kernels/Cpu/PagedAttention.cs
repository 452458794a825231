using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;
using Level = Splitwise.Kernels.CpuFeatures.SimdLevel;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Causal attention of a run of consecutive query tokens of one sequence against its cached keys and values,
/// read through the block table. Works one block (tile) at a time with an online softmax, so memory stays
/// O(block) however long the context. Each K tile is transposed once to [headDim][slot] so scores for a whole
/// tile come from broadcast FMAs across slots (no horizontal sums), and the tile is shared by every query head
/// of the GQA group and every token of the run; a run of few heads (at most four) scores straight from the K rows
/// instead. A run of one token (decode) at AVX-512 with 16-slot blocks takes its own path, in spans of blocks
/// (PagedAttention.Decode.cs). Every path computes the same products; sums differ in order, and the vector paths use
/// a vector exp within a few ulp of MathF.Exp.
/// </summary>
public static unsafe partial class PagedAttention
{
    /// <summary>Floats of scratch that <see cref="Attend"/> needs for a run of <paramref name="runLength"/> tokens.</summary>
    public static int ScratchFloats(int runLength, int groupSize, int headDim, int blockSize)
        => 2 * blockSize * headDim + ScoreHeads * blockSize + 2 * runLength * groupSize + 16 + (runLength == 1 ? SpanScratchFloats(headDim) : 0);

    /// <summary>Heads scored together on the wide path: independent FMA chains over one load of each K row.</summary>
    private const int ScoreHeads = 4;

    /// <param name="query">Token i of the run, head g of the group at query + i·queryStride + g·headDim; RoPE applied.</param>
    /// <param name="firstContextLength">Visible positions of the run's first token; token i sees firstContextLength + i.</param>
    /// <param name="output">Same layout as <paramref name="query"/>, overwritten.</param>
    public static void Attend(float* query, long queryStride, int runLength, int groupSize, int kvHead, in PagedKvView kv,
                              ReadOnlySpan<int> blockTable, int firstContextLength, float scale, float* output, float* scratch)
        => Attend(query, queryStride, runLength, groupSize, kvHead, kv, blockTable, firstContextLength, scale, output, scratch, CpuFeatures.Level);

    /// <param name="nativeF16">Whether decode may widen fp16 tiles with the native library (when it is loaded); tests turn it off to cover the managed widening.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Attend(float* query, long queryStride, int runLength, int groupSize, int kvHead, in PagedKvView kv,
                                ReadOnlySpan<int> blockTable, int firstContextLength, float scale, float* output, float* scratch, Level level,
                                bool nativeF16 = true)
    {
        if (level > CpuFeatures.Level)
            throw new ArgumentOutOfRangeException(nameof(level), level, $"This machine supports up to {CpuFeatures.Level}.");
        int d = kv.HeadDim, bs = kv.BlockSize, heads = runLength * groupSize;
        bool wide = level == Level.Avx512 && bs == 16 && d % 16 == 0;
        if (wide && runLength == 1)
        {
            AttendDecode(query, groupSize, kvHead, kv, blockTable, firstContextLength, scale, output, scratch, nativeF16);
            return;
        }
        // A few heads score straight from the K rows: transposing the tile costs more than the horizontal sums it
        // saves unless many heads (a longer run) share it.
        bool direct = wide && heads <= ScoreHeads;
        float* kT = scratch;                  // [d][bs]
        float* vBuffer = kT + bs * d;         // [bs][d] when V is fp16
        float* scores = vBuffer + bs * d;     // [ScoreHeads][bs]
        float* runningMax = scores + ScoreHeads * bs; // [run × group]
        float* runningSum = runningMax + heads;
        for (int h = 0; h < heads; h++)
        {
            runningMax[h] = float.NegativeInfinity;
            runningSum[h] = 0;
        }
        for (int i = 0; i < runLength; i++) new Span<float>(output + i * queryStride, groupSize * d).Clear();

        int lastContext = firstContextLength + runLength - 1;
        int blocks = (lastContext + bs - 1) / bs;
        for (int b = 0; b < blocks; b++)
        {
            int tileStart = b * bs;
            int tileValid = Math.Min(bs, lastContext - tileStart);
            long offset = kv.Offset(blockTable[b], kvHead);
            if (b == 0)
                for (int a = 1; a < PrefetchDistance && a < blocks; a++) PrefetchTile(kv, kv.Offset(blockTable[a], kvHead), Math.Min(bs, lastContext - a * bs), 0, 1);
            long ahead = b + PrefetchDistance < blocks ? kv.Offset(blockTable[b + PrefetchDistance], kvHead) : -1;
            int aheadSlots = Math.Min(bs, lastContext - (b + PrefetchDistance) * bs);
            if (ahead >= 0 && !direct) PrefetchTile(kv, ahead, aheadSlots, 0, 1);
            if (!direct) LoadTransposedKeys(kv, offset, tileValid, kT, wide);
            // The direct path reads each K row once per head of the group: fp16 rows are widened once per tile instead.
            float* keyRows = !direct ? null : kv.F16 ? Convert((Half*)kv.Keys + offset, tileValid * d, kT, wide) : (float*)kv.Keys + offset;
            float* v = kv.F16 ? Convert((Half*)kv.Values + offset, tileValid * d, vBuffer, wide) : (float*)kv.Values + offset;

            // Heads h = i·group + g in fours: the wide path scores four heads per pass over the K tile.
            for (int h0 = 0; h0 < heads; h0 += ScoreHeads)
            {
                int count = Math.Min(ScoreHeads, heads - h0);
                if (wide && !direct) WideTileScores(query, queryStride, groupSize, h0, count, kT, d, scale, scores);
                for (int h = h0; h < h0 + count; h++)
                {
                    int i = h / groupSize, g = h % groupSize;
                    int valid = Math.Min(bs, firstContextLength + i - tileStart);
                    if (valid <= 0) continue;
                    float* acc = output + i * queryStride + g * d;
                    float* p = wide ? scores + (h - h0) * bs : scores;
                    if (!wide) TileScores(query + i * queryStride + g * d, kT, d, bs, valid, scale, p, level);
                    if (wide)
                    {
                        // Slots past the context score -inf, so they weigh exp(-inf) = 0 and drop out of max and sum.
                        if (direct && ahead >= 0) PrefetchTile(kv, ahead, aheadSlots, 2 * h, 2 * heads);
                        var scores16 = direct ? DirectTileScores(HeadQuery(query, queryStride, groupSize, h, d), keyRows, d, valid, scale) : Vector512.Load(p);
                        if (valid < 16) scores16 = Vector512.ConditionalSelect(ValidSlots(valid), scores16, Vector512.Create(float.NegativeInfinity));
                        float wideMax = MathF.Max(runningMax[h], HorizontalMax(scores16));
                        float wideCorrection = wideMax == runningMax[h] ? 1f : MathF.Exp(runningMax[h] - wideMax);
                        var weights = VectorExp.NonPositive(scores16 - Vector512.Create(wideMax));
                        runningMax[h] = wideMax;
                        runningSum[h] = runningSum[h] * wideCorrection + Vector512.Sum(weights);
                        if (direct && ahead >= 0) PrefetchTile(kv, ahead, aheadSlots, 2 * h + 1, 2 * heads);
                        AccumulateValues(weights, v, d, valid, wideCorrection, acc);
                        continue;
                    }
                    float tileMax = float.NegativeInfinity;
                    for (int t = 0; t < valid; t++) tileMax = MathF.Max(tileMax, p[t]);
                    float newMax = MathF.Max(runningMax[h], tileMax);
                    float correction = MathF.Exp(runningMax[h] - newMax);
                    float sum = runningSum[h] * correction;
                    {
                        if (correction != 1f) Scale(acc, d, correction);
                        for (int t = 0; t < valid; t++)
                        {
                            float e = MathF.Exp(p[t] - newMax);
                            sum += e;
                            CpuKernels.Axpy(e, v + t * d, acc, d, level);
                        }
                    }
                    runningMax[h] = newMax;
                    runningSum[h] = sum;
                }
            }
        }
        for (int i = 0; i < runLength; i++)
            for (int g = 0; g < groupSize; g++)
                Scale(output + i * queryStride + g * d, d, 1f / runningSum[i * groupSize + g]);
    }

    /// <summary>
    /// Tiles ahead whose K and V are requested, into L2: a tile (8 KB at most) is worked in less time than DRAM takes
    /// to deliver one, so without lookahead each tile waits; into L1 the requests outnumbered its miss buffers. On
    /// the direct path the requests are spread over the tile's work (a slice before each head's scores and values), not issued
    /// in one burst: a burst of 128 requests stalls the core until the miss buffers drain, so memory and compute took
    /// turns instead of overlapping. Measured with <c>Splitwise.Bench kernels --attention</c> (context 512, group 3,
    /// fp32 KV, both cores): 13 → 10 µs per KV head; distances 1, 2 and 4 measured alike, 2 slightly best.
    /// </summary>
    private const int PrefetchDistance = 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ValidSlots(int valid)
        => Vector512.LessThan(Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create((float)valid));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector512<float> x)
    {
        var m256 = Vector256.Max(x.GetLower(), x.GetUpper());
        var m128 = Vector128.Max(m256.GetLower(), m256.GetUpper());
        m128 = Vector128.Max(m128, Vector128.Shuffle(m128, Vector128.Create(2, 3, 0, 1)));
        m128 = Vector128.Max(m128, Vector128.Shuffle(m128, Vector128.Create(1, 0, 3, 2)));
        return m128.ToScalar();
    }

    /// <summary>
    /// Asks for slice <paramref name="part"/> of <paramref name="parts"/> of a later tile's K and V (into L2) while this
    /// one is worked on. Tiles are a few KB scattered through the cache pools (one per block and KV head), so the
    /// hardware prefetcher does not run ahead across them; in decode the cache is cold (the weights streamed since the
    /// last layer evicted it) and each tile would wait on DRAM.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(in PagedKvView kv, long offset, int slots, int part, int parts)
    {
        int lines = (slots * kv.HeadDim * kv.ElementBytes + 63) / 64;
        PrefetchLines(kv.Keys + offset * kv.ElementBytes, lines, part, parts);
        PrefetchLines(kv.Values + offset * kv.ElementBytes, lines, part, parts);
    }

    /// <summary>Requests lines [part, part + 1) · lines / parts of <paramref name="p"/> into L2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchLines(byte* p, int lines, int part, int parts)
    {
        if (!Sse.IsSupported) return;
        int end = lines * (part + 1) / parts * 64;
        for (int i = lines * part / parts * 64; i < end; i += 64) Sse.Prefetch1(p + i);
    }

    /// <summary>
    /// acc = acc·correction + Σ_t p[t]·V[t] over the tile's valid slots, 16 columns at a time with the output in a
    /// register: per element the same multiply and the same FMAs in the same order as scaling then one Axpy per slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateValues(Vector512<float> weights, float* v, int d, int valid, float correction, float* acc)
    {
        int c = 0;
        // Four chunks at once: four independent FMA chains instead of one waiting on the last.
        for (; c + 64 <= d; c += 64)
        {
            var a0 = Vector512.Load(acc + c);
            var a1 = Vector512.Load(acc + c + 16);
            var a2 = Vector512.Load(acc + c + 32);
            var a3 = Vector512.Load(acc + c + 48);
            if (correction != 1f)
            {
                var k = Vector512.Create(correction);
                a0 *= k; a1 *= k; a2 *= k; a3 *= k;
            }
            float* vt = v + c;
            for (int t = 0; t < valid; t++, vt += d)
            {
                var pt = Avx512F.PermuteVar16x32(weights, Vector512.Create(t));
                a0 = Vector512.FusedMultiplyAdd(pt, Vector512.Load(vt), a0);
                a1 = Vector512.FusedMultiplyAdd(pt, Vector512.Load(vt + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(pt, Vector512.Load(vt + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(pt, Vector512.Load(vt + 48), a3);
            }
            a0.Store(acc + c); a1.Store(acc + c + 16); a2.Store(acc + c + 32); a3.Store(acc + c + 48);
        }
        for (; c < d; c += 16)
        {
            var a = Vector512.Load(acc + c);
            if (correction != 1f) a *= Vector512.Create(correction);
            for (int t = 0; t < valid; t++) a = Vector512.FusedMultiplyAdd(Avx512F.PermuteVar16x32(weights, Vector512.Create(t)), Vector512.Load(v + t * d + c), a);
            a.Store(acc + c);
        }
    }

    /// <summary>kT[c][t] = K[t][c] for the first <paramref name="valid"/> slots; the rest of each row is zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadTransposedKeys(in PagedKvView kv, long offset, int valid, float* kT, bool wide)
    {
        int d = kv.HeadDim, bs = kv.BlockSize;
        if (wide)
        {
            for (int c = 0; c < d; c += 16) Transpose16(kv, offset + c, valid, kT + c * 16);
            return;
        }
        if (valid < bs) new Span<float>(kT, d * bs).Clear();
        if (kv.F16)
        {
            Half* k = (Half*)kv.Keys + offset;
            for (int t = 0; t < valid; t++)
                for (int c = 0; c < d; c++) kT[c * bs + t] = (float)k[t * d + c];
        }
        else
        {
            float* k = (float*)kv.Keys + offset;
            for (int t = 0; t < valid; t++)
                for (int c = 0; c < d; c++) kT[c * bs + t] = k[t * d + c];
        }
    }

    /// <summary>
    /// dst[c][t] = K[t][c] for 16 slots × 16 columns starting at element <paramref name="first"/> of slot 0 (slots
    /// HeadDim apart), slots from <paramref name="valid"/> on as zeros: four rounds of in-register shuffles (pairs of
    /// floats, pairs of pairs, then 128-bit lanes twice) instead of 256 scalar moves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(in PagedKvView kv, long first, int valid, float* dst)
    {
        int d = kv.HeadDim;
        var r0 = KeyRow(kv, first, 0, valid, d); var r1 = KeyRow(kv, first, 1, valid, d);
        var r2 = KeyRow(kv, first, 2, valid, d); var r3 = KeyRow(kv, first, 3, valid, d);
        var r4 = KeyRow(kv, first, 4, valid, d); var r5 = KeyRow(kv, first, 5, valid, d);
        var r6 = KeyRow(kv, first, 6, valid, d); var r7 = KeyRow(kv, first, 7, valid, d);
        var r8 = KeyRow(kv, first, 8, valid, d); var r9 = KeyRow(kv, first, 9, valid, d);
        var r10 = KeyRow(kv, first, 10, valid, d); var r11 = KeyRow(kv, first, 11, valid, d);
        var r12 = KeyRow(kv, first, 12, valid, d); var r13 = KeyRow(kv, first, 13, valid, d);
        var r14 = KeyRow(kv, first, 14, valid, d); var r15 = KeyRow(kv, first, 15, valid, d);
        // Each quad of rows 4g..4g+3 becomes four vectors: lane L of the m-th holds column 4L+m of the quad.
        Quad(ref r0, ref r1, ref r2, ref r3);
        Quad(ref r4, ref r5, ref r6, ref r7);
        Quad(ref r8, ref r9, ref r10, ref r11);
        Quad(ref r12, ref r13, ref r14, ref r15);
        // Output row 4L+m is lane L of the m-th vector of the four quads, in quad order.
        Lanes(r0, r4, r8, r12, dst);
        Lanes(r1, r5, r9, r13, dst + 16);
        Lanes(r2, r6, r10, r14, dst + 32);
        Lanes(r3, r7, r11, r15, dst + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeyRow(in PagedKvView kv, long first, int slot, int valid, int d)
        => slot >= valid ? Vector512<float>.Zero : KeyChunk(kv, first + (long)slot * d);

    /// <summary>Four rows → lane L of the m-th result = (a, b, c, e)[4L + m], i.e. each 4×4 sub-block transposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c, ref Vector512<float> e)
    {
        var ab0 = Avx512F.UnpackLow(a, b).AsDouble();
        var ab1 = Avx512F.UnpackHigh(a, b).AsDouble();
        var ce0 = Avx512F.UnpackLow(c, e).AsDouble();
        var ce1 = Avx512F.UnpackHigh(c, e).AsDouble();
        a = Avx512F.UnpackLow(ab0, ce0).AsSingle();
        b = Avx512F.UnpackHigh(ab0, ce0).AsSingle();
        c = Avx512F.UnpackLow(ab1, ce1).AsSingle();
        e = Avx512F.UnpackHigh(ab1, ce1).AsSingle();
    }

    /// <summary>Stores lanes L = 0..3 of q0..q3, side by side, as rows 4L of dst (rows 16 floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3, float* dst)
    {
        var even01 = Avx512F.Shuffle4x128(q0, q1, 0x88); // lanes 0, 2 of q0, then of q1
        var odd01 = Avx512F.Shuffle4x128(q0, q1, 0xDD);  // lanes 1, 3
        var even23 = Avx512F.Shuffle4x128(q2, q3, 0x88);
        var odd23 = Avx512F.Shuffle4x128(q2, q3, 0xDD);
        Avx512F.Shuffle4x128(even01, even23, 0x88).Store(dst);            // lane 0
        Avx512F.Shuffle4x128(odd01, odd23, 0x88).Store(dst + 4 * 16);     // lane 1
        Avx512F.Shuffle4x128(even01, even23, 0xDD).Store(dst + 8 * 16);   // lane 2
        Avx512F.Shuffle4x128(odd01, odd23, 0xDD).Store(dst + 12 * 16);    // lane 3
    }

    /// <summary>
    /// scores[k·16 + t] = scale · Σ_c q_k[c]·kT[c][t] for heads h0 + k, k &lt; count ≤ 4 (head h = token i·group + g),
    /// each summed in the same order as <see cref="TileScores"/>; four chains share each K row load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WideTileScores(float* query, long queryStride, int groupSize, int h0, int count, float* kT, int d, float scale, float* scores)
    {
        float* q0 = HeadQuery(query, queryStride, groupSize, h0, d);
        float* q1 = HeadQuery(query, queryStride, groupSize, h0 + Math.Min(1, count - 1), d);
        float* q2 = HeadQuery(query, queryStride, groupSize, h0 + Math.Min(2, count - 1), d);
        float* q3 = HeadQuery(query, queryStride, groupSize, h0 + Math.Min(3, count - 1), d);
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int c = 0; c < d; c++)
        {
            var k = Vector512.Load(kT + c * 16);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(q0[c]), k, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(q1[c]), k, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(q2[c]), k, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(q3[c]), k, s3);
        }
        (s0 * scale).Store(scores);
        (s1 * scale).Store(scores + 16);
        (s2 * scale).Store(scores + 32);
        (s3 * scale).Store(scores + 48);
    }

    /// <summary>
    /// Lane t = scale · q·K[t] for the 16 slots of one tile, K read row by row (fp32, <paramref name="d"/> apart): each
    /// slot's products land in one register, and four rounds of shuffle-and-add turn 16 such registers into the 16 sums.
    /// The first 64 columns of q stay in registers across the tile, so each product costs one load, not two.
    /// Slots from <paramref name="valid"/> on score 0 (their rows may hold another sequence's keys, or nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DirectTileScores(float* q, float* k, int d, int valid, float scale)
    {
        var q0 = Vector512.Load(q);
        var q1 = d >= 32 ? Vector512.Load(q + 16) : default;
        var q2 = d >= 48 ? Vector512.Load(q + 32) : default;
        var q3 = d >= 64 ? Vector512.Load(q + 48) : default;
        var x0 = SlotQuad(q0, q1, q2, q3, q, k, d, 0, valid);
        var x1 = SlotQuad(q0, q1, q2, q3, q, k, d, 4, valid);
        var x2 = SlotQuad(q0, q1, q2, q3, q, k, d, 8, valid);
        var x3 = SlotQuad(q0, q1, q2, q3, q, k, d, 12, valid);
        // x_j: 128-bit lane L holds slots 4j..4j+3 summed over lane L's columns; add the four lanes.
        var y01 = Avx512F.Shuffle4x128(x0, x1, 0x88) + Avx512F.Shuffle4x128(x0, x1, 0xDD);
        var y23 = Avx512F.Shuffle4x128(x2, x3, 0x88) + Avx512F.Shuffle4x128(x2, x3, 0xDD);
        var sums = Avx512F.Shuffle4x128(y01, y23, 0x88) + Avx512F.Shuffle4x128(y01, y23, 0xDD);
        return sums * scale;
    }

    /// <summary>Slots first..first+3: 128-bit lane L holds, in slot order, each slot's q·K partial sum over lane L's columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SlotQuad(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3,
                                             float* q, float* k, int d, int first, int valid)
    {
        var a = SlotProducts(q0, q1, q2, q3, q, k, d, first, valid);
        var b = SlotProducts(q0, q1, q2, q3, q, k, d, first + 1, valid);
        var c = SlotProducts(q0, q1, q2, q3, q, k, d, first + 2, valid);
        var e = SlotProducts(q0, q1, q2, q3, q, k, d, first + 3, valid);
        var ab = Avx512F.UnpackLow(a, b) + Avx512F.UnpackHigh(a, b);  // per lane: a0+a2, b0+b2, a1+a3, b1+b3
        var ce = Avx512F.UnpackLow(c, e) + Avx512F.UnpackHigh(c, e);
        return Avx512F.Shuffle(ab, ce, 0x44) + Avx512F.Shuffle(ab, ce, 0xEE);  // per lane: (a0+a2)+(a1+a3), b…, c…, e…
    }

    /// <summary>Lane-wise q[c]·K[slot][c] summed over the 16-column chunks of the head: one register whose lanes sum to q·K[slot].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SlotProducts(Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3,
                                                 float* q, float* k, int d, int slot, int valid)
    {
        if (slot >= valid) return Vector512<float>.Zero;
        float* row = k + (long)slot * d;
        var s = q0 * Vector512.Load(row);
        if (d >= 32) s = Vector512.FusedMultiplyAdd(q1, Vector512.Load(row + 16), s);
        if (d >= 48) s = Vector512.FusedMultiplyAdd(q2, Vector512.Load(row + 32), s);
        if (d >= 64) s = Vector512.FusedMultiplyAdd(q3, Vector512.Load(row + 48), s);
        for (int c = 64; c < d; c += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(q + c), Vector512.Load(row + c), s);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeyChunk(in PagedKvView kv, long element)
        => kv.F16 ? HalfBits.Load16((ushort*)kv.Keys + element) : Vector512.Load((float*)kv.Keys + element);

    private static float* HeadQuery(float* query, long queryStride, int groupSize, int h, int d)
        => query + h / groupSize * queryStride + h % groupSize * d;

    /// <summary>scores[t] = scale · Σ_c q[c]·kT[c][t] for t &lt; valid.</summary>
    internal static void TileScores(float* q, float* kT, int d, int bs, int valid, float scale, float* scores, Level level)
    {
        if (bs == 16 && level == Level.Avx512)
        {
            var s = Vector512<float>.Zero;
            for (int c = 0; c < d; c++) s = Vector512.FusedMultiplyAdd(Vector512.Create(q[c]), Vector512.Load(kT + c * 16), s);
            (s * scale).Store(scores);
            return;
        }
        if (bs % 8 == 0 && level >= Level.Avx2)
        {
            for (int t0 = 0; t0 < valid; t0 += 8)
            {
                var s = Vector256<float>.Zero;
                for (int c = 0; c < d; c++) s = Vector256.FusedMultiplyAdd(Vector256.Create(q[c]), Vector256.Load(kT + c * bs + t0), s);
                (s * scale).Store(scores + t0);
            }
            return;
        }
        for (int t = 0; t < valid; t++)
        {
            float s = 0;
            for (int c = 0; c < d; c++) s += q[c] * kT[c * bs + t];
            scores[t] = s * scale;
        }
    }

    private static void Scale(float* x, int d, float a)
    {
        var span = new Span<float>(x, d);
        TensorPrimitives.Multiply(span, a, span);
    }

    /// <summary>
    /// Widens a tile's fp16 rows; with <paramref name="wide"/> (a whole number of 16-value chunks) through the in-register
    /// conversion: with it the fp16 decode kernel took half the time it took through TensorPrimitives.ConvertToSingle
    /// (kernels --attention, cache-resident: 29 → 14 µs per KV head).
    /// </summary>
    private static float* Convert(Half* src, int count, float* dst, bool wide)
    {
        if (wide)
        {
            for (int i = 0; i < count; i += 16) HalfBits.Load16((ushort*)src + i).Store(dst + i);
            return dst;
        }
        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(src, count), new Span<float>(dst, count));
        return dst;
    }
}
